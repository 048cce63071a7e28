// English sentence for a schedule: cronstrue for the fields, our zone appended.
import cronstrue from "cronstrue";

export function describe(fields: string, timezone: string): string {
  let text: string;
  try {
    text = cronstrue.toString(fields, {
      use24HourTimeFormat: true,
      verbose: false,
      throwExceptionOnParseError: true,
    });
  } catch {
    text = `Cron schedule "${fields}"`;
  }
  return `${text} (${timezone})`;
}
