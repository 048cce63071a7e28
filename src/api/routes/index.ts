import type { Route } from "../route";
import auditList from "./audit-list";
import cronBackfill from "./cron-backfill";
import cronCreate from "./cron-create";
import cronDelete from "./cron-delete";
import cronGet from "./cron-get";
import cronList from "./cron-list";
import cronPause from "./cron-pause";
import cronPreview from "./cron-preview";
import cronResume from "./cron-resume";
import cronRotateSecret from "./cron-rotate-secret";
import cronStats from "./cron-stats";
import cronTrigger from "./cron-trigger";
import cronUpdate from "./cron-update";
import keyGet from "./key-get";
import metrics from "./metrics";
import overview from "./overview";
import retentionGet from "./retention-get";
import retentionSet from "./retention-set";
import runsCancel from "./runs-cancel";
import runsGet from "./runs-get";
import runsList from "./runs-list";
import runsListAll from "./runs-list-all";
import runsReplay from "./runs-replay";
import runsReplayBulk from "./runs-replay-bulk";

/** Every operation of the API: the one place routes are registered. */
export const routes: Route[] = [
  cronCreate,
  cronList,
  cronGet,
  cronUpdate,
  cronDelete,
  cronPause,
  cronResume,
  cronTrigger,
  cronBackfill,
  runsGet,
  runsList,
  runsListAll,
  runsReplay,
  runsReplayBulk,
  runsCancel,
  cronRotateSecret,
  auditList,
  retentionGet,
  retentionSet,
  cronPreview,
  cronStats,
  keyGet,
  metrics,
  overview,
];
