/** A call held at a gate: `reached` resolves when it arrives (`arrive()`), `open()` lets it through. */
export const createGate = () => {
  let open: () => void = () => undefined;
  let arrive: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  return { opened, reached, open, arrive };
};

export type Gate = ReturnType<typeof createGate>;
