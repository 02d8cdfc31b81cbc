/**
 * Resolves on a later task of the event loop, so that messages already queued for this thread (a
 * cancel from the page) are handled first. In a worker the backend's runs can resolve without ever
 * returning to the event loop (measured: WASM generations ran to their end with a cancel queued), so
 * the generation loop awaits this between steps when its call is cancellable. A MessageChannel
 * round trip, not setTimeout(0), which browsers clamp to 4 ms once timers nest.
 */
export function nextTask(): Promise<void> {
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
