import type { QueryObservation, QueryObserver, QueryStart } from "./observer.js";
import type { Services } from "./services.js";

// Several watchers on the one observer slot of Services (the journal and the metrics): the slot
// holds the only one directly, or a fan-out when there are more, so one watcher costs nothing extra.

const MEMBERS = Symbol("observers");

interface FanOut extends QueryObserver {
  [MEMBERS]: QueryObserver[];
}

function fanOut(members: QueryObserver[]): FanOut {
  return {
    [MEMBERS]: members,
    begin(start: QueryStart): QueryObservation | undefined {
      const watching: QueryObservation[] = [];
      for (const m of members) {
        const o = m.begin(start);
        if (o) watching.push(o);
      }
      if (watching.length === 0) return undefined;
      if (watching.length === 1) return watching[0];
      return {
        outbound: (call) => {
          for (const o of watching) o.outbound?.(call);
        },
        end: (result) => {
          for (const o of watching) {
            try {
              o.end(result);
            } catch {
              /* one watcher's failure is not another's */
            }
          }
        },
      };
    },
  };
}

function membersOf(slot: QueryObserver | undefined): QueryObserver[] {
  if (!slot) return [];
  return MEMBERS in slot ? [...(slot as FanOut)[MEMBERS]] : [slot];
}

function set(services: Services, members: QueryObserver[]): void {
  services.observer = members.length === 0 ? undefined : members.length === 1 ? members[0] : fanOut(members);
}

export function addObserver(services: Services, observer: QueryObserver): void {
  set(services, [...membersOf(services.observer), observer]);
}

export function removeObserver(services: Services, observer: QueryObserver): void {
  set(
    services,
    membersOf(services.observer).filter((m) => m !== observer),
  );
}

/** The observers watching queries now (for tests and diagnostics). */
export function observersOf(services: Services): QueryObserver[] {
  return membersOf(services.observer);
}
