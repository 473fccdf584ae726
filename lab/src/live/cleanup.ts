// What an interrupted live run must undo (processes, the database, the Prometheus target, the
// namespace): each part registers its undo while it exists, and main.ts runs them on Ctrl-C.
const pending: (() => Promise<void>)[] = [];

/** Registers an undo; the returned function unregisters it (the part was stopped normally). */
export function undoOnInterrupt(undo: () => Promise<void>): () => void {
  pending.push(undo);
  return () => {
    const index = pending.indexOf(undo);
    if (index >= 0) pending.splice(index, 1);
  };
}

/** Runs every registered undo, newest first; failures are ignored (the rest still run). */
export async function undoAll(): Promise<void> {
  for (const undo of pending.splice(0).reverse()) await undo().catch(() => undefined);
}
