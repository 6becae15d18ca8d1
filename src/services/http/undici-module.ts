// undici is the largest import of the server (~100 ms of start-up) and is only needed once a
// module makes an outbound request: it is loaded then, by the first request.

type Undici = typeof import("undici");
let loaded: Undici | undefined;
let loading: Promise<Undici> | undefined;

/** Loads undici (once); every request awaits this before using `undici()`. */
export function loadUndici(): Promise<Undici> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= import("undici").then((m) => (loaded = m));
  return loading;
}

/** The loaded module; callers run after `await loadUndici()`. */
export function undici(): Undici {
  if (!loaded) throw new Error("undici used before loadUndici()");
  return loaded;
}
