/** Instances per step of the pipeline. */
const defaultChunkSize = 50;

/** Chunks configured inside their namespaces at once: more only queue for the cores and the kernel's locks. */
const defaultInsideAtOnce = 2;

const splitIntoChunks = <T>({ items, size }: { items: readonly T[]; size: number }) =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, chunk) =>
    items.slice(chunk * size, (chunk + 1) * size),
  );

/** Marks a promise as handled (it is awaited later) and keeps it as it is. */
const awaitedLater = <T>(promise: Promise<T>) => {
  promise.catch(() => undefined);
  return promise;
};

/**
 * The order of a bulk setup's steps, in chunks that overlap. The chunks' namespaces are named one chunk
 * after another, ahead of the rest (`name`: one process names them all, apart from the others); a chunk
 * named is configured inside its namespaces (`configureInside`), at most `insideAtOnce` chunks at a time,
 * and then attached on the node's side (`attach`), which the next chunk does not wait for. After a
 * failure no other chunk is named, configured or attached; it throws the first failure once nothing it
 * started is still running (a rollback must see everything that was made).
 */
export const runChunkPipeline = async <T>({
  items,
  name,
  configureInside,
  attach,
  chunkSize = defaultChunkSize,
  insideAtOnce = defaultInsideAtOnce,
}: {
  items: readonly T[];
  name: (chunk: readonly T[]) => Promise<void>;
  configureInside: (chunk: readonly T[]) => Promise<void>;
  attach: (chunk: readonly T[]) => Promise<void>;
  chunkSize?: number;
  insideAtOnce?: number;
}) => {
  const chunks = splitIntoChunks({ items, size: chunkSize });
  let hasFailed = false;
  // The first failure of any step is the one thrown, whichever step's promise is awaited first.
  let firstFailure: { error: unknown } | undefined;
  const noteFailure = (error: unknown) => {
    hasFailed = true;
    firstFailure ??= { error };
    throw error;
  };
  const namings: Promise<void>[] = [];
  for (const chunk of chunks) {
    const nameChunk = async () => {
      if (!hasFailed) await name(chunk).catch(noteFailure);
    };
    // The first at once (it is the longest wait before anything else can start), each next after it.
    const previous = namings.at(-1);
    namings.push(awaitedLater(previous ? previous.then(nameChunk) : nameChunk()));
  }
  const insides: Promise<void>[] = [];
  const done: Promise<void>[] = [];
  try {
    for (const [index, chunk] of chunks.entries()) {
      await namings[index];
      if (hasFailed) break;
      const inside = awaitedLater(configureInside(chunk).catch(noteFailure));
      insides.push(inside);
      done.push(
        awaitedLater(
          inside.then(async () => {
            if (!hasFailed) await attach(chunk).catch(noteFailure);
          }),
        ),
      );
      const waited = insides.at(-insideAtOnce);
      if (insides.length >= insideAtOnce && waited) await Promise.allSettled([waited]);
    }
  } catch (error) {
    firstFailure ??= { error };
  } finally {
    await Promise.allSettled([...namings, ...done]);
  }
  if (firstFailure) throw firstFailure.error;
};
