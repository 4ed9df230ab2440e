/** The client library's public surface (docs/client.md): what the CLI and `rq top` import. */
export {
  RqClient,
  exptimeFor,
  type ClientOptions,
  type PushOptions,
  type Released,
  type ReleaseOptions,
  type ReserveOptions,
} from './client.js';
export type { PushItem } from './requests.js';
export { RqClientError, type FailureKind } from './errors.js';
export type { Item } from './item.js';
export { QueueNameError } from './keys.js';
export { PartlyDelivered, type Deliver } from './pop-session.js';
export type { PushReport, Refusal } from './push-stream.js';
export { AddressError, formatAddress, parseAddress, parseServerList, resolveServers, type ServerAddress } from './servers.js';
export {
  generalNumber,
  generalValues,
  parseStats,
  sumQueue,
  type ParsedStats,
  type QueueFigures,
  type QueueStats,
  type ServerStats,
  type StatsPairs,
} from './stats.js';
