/** Scheduled jobs: every function in the declaration with a `schedule` runs on it. */
import { type FunctionId, functions } from "@picstack/infrastructure";
import { Cron, type StackContext, use } from "sst/constructs";
import { Auth } from "./Auth.js";
import { picstackFunction } from "./functions.js";
import { Storage } from "./Storage.js";

export function Jobs({ stack }: StackContext) {
  const storage = use(Storage);
  const { auth } = use(Auth);
  const scheduled = (Object.keys(functions) as FunctionId[]).flatMap((id) => {
    const schedule = (functions[id] as { schedule?: string }).schedule;
    return schedule ? [{ id, schedule }] : [];
  });
  const crons = scheduled.map(
    ({ id, schedule }) =>
      new Cron(stack, `${id}Schedule`, {
        schedule: schedule as `rate(${string})`,
        job: picstackFunction(stack, id, { ...storage, auth }),
      }),
  );
  return { crons };
}
