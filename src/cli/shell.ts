// Just enough of the POSIX shell's word splitting for the commands of a crontab line:
// quotes, backslashes, `$VAR` / `${VAR}` from the crontab's own environment lines, and
// the operators that make a line something other than one simple command.

export type Token = { kind: "word"; value: string } | { kind: "op"; value: string };

export class ShellUnsupported extends Error {}

const OPERATORS = ["&&", "||", ">>", "&>", "2>&1", "1>&2", ";", "|", "&", ">", "<", "2>", "1>"];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Splits `text` into words and operators. `$VAR` is looked up in `env`; an unset one,
 * a command substitution or a here-document is refused (ShellUnsupported), so nothing
 * is guessed.
 */
export function tokenize(text: string, env: ReadonlyMap<string, string>): Token[] {
  const tokens: Token[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  const flush = () => {
    if (inWord) tokens.push({ kind: "word", value: word });
    word = "";
    inWord = false;
  };
  const variable = (): string => {
    // at text[i] === "$"
    const rest = text.slice(i + 1);
    if (rest.startsWith("(")) throw new ShellUnsupported("uses command substitution $(…)");
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(rest);
    const plain = NAME.exec(rest);
    const name = braced?.[1] ?? plain?.[0];
    if (!name) {
      i++;
      return "$";
    }
    i += 1 + (braced ? braced[0].length : name.length);
    const value = env.get(name);
    if (value === undefined)
      throw new ShellUnsupported(`uses $${name}, which the crontab does not set`);
    return value;
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === " " || ch === "\t") {
      flush();
      i++;
      continue;
    }
    if (ch === "`") throw new ShellUnsupported("uses command substitution `…`");
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError("unterminated single quote");
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (ch === '"') {
      i++;
      inWord = true;
      for (;;) {
        if (i >= text.length) throw new SyntaxError("unterminated double quote");
        const c = text[i]!;
        if (c === '"') {
          i++;
          break;
        }
        if (c === "\\" && i + 1 < text.length && '$`"\\'.includes(text[i + 1]!)) {
          word += text[i + 1];
          i += 2;
        } else if (c === "$") word += variable();
        else if (c === "`") throw new ShellUnsupported("uses command substitution `…`");
        else {
          word += c;
          i++;
        }
      }
      continue;
    }
    if (ch === "\\") {
      if (i + 1 < text.length) word += text[i + 1];
      inWord = true;
      i += 2;
      continue;
    }
    if (ch === "$") {
      word += variable();
      inWord = true;
      continue;
    }
    // "2>" only as an operator at the start of a word
    const op = OPERATORS.find(
      (o) => text.startsWith(o, i) && (!/^\d/.test(o) || (!inWord && o.length > 1)),
    );
    if (op) {
      if (op === "<" && text.startsWith("<<", i))
        throw new ShellUnsupported("uses a here-document");
      flush();
      tokens.push({ kind: "op", value: op });
      i += op.length;
      continue;
    }
    word += ch;
    inWord = true;
    i++;
  }
  flush();
  return tokens;
}

/**
 * The one simple command of a token list: output redirections are dropped (crondo keeps
 * each response in the run history instead); anything else that is not a word — a
 * pipe, a list, input redirection, a background `&` — makes the line unsupported.
 */
export function simpleCommand(tokens: Token[]): string[] {
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === "word") {
      words.push(t.value);
      continue;
    }
    if (t.value === "2>&1" || t.value === "1>&2") continue;
    if ([">", ">>", "2>", "1>", "&>"].includes(t.value)) {
      if (tokens[i + 1]?.kind !== "word") throw new SyntaxError(`${t.value} without a target`);
      i++;
      continue;
    }
    if (t.value === "|") throw new ShellUnsupported("is a shell pipeline");
    if (t.value === "<") throw new ShellUnsupported("reads its input from a file");
    throw new ShellUnsupported(`is a shell list (${t.value})`);
  }
  return words;
}
