/**
 * Runs an `AudioReceiveStream` on an injected clock, with no frames arriving, until a condition holds:
 * for tests of the stream's pull schedule.
 */
import { type AudioReceiver, AudioReceiveStream, type AudioSink, type StreamClock } from '../../src/index.js';
import { createMemoryTransportPair } from '../../src/testing.js';

export async function runReceiveStreamUntil(
  options: { readonly receiver: AudioReceiver; readonly sink: AudioSink; readonly clock: StreamClock },
  done: () => boolean,
  stepMs: number,
): Promise<void> {
  const [, transport] = createMemoryTransportPair();
  const receive = new AudioReceiveStream({ ...options, transport });
  const running = receive.run();
  while (!done()) await options.clock.sleep(stepMs);
  await receive.stop();
  await running;
}
