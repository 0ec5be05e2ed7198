/**
 * The control protocol (runtime/control/) and the operations of a peer's control API
 * (runtime/peer/): SF43xx, and the SF44xx codes of kind `Control` that refuse a request.
 * Part of the one catalogue (index.ts).
 */
import { entry, fragment, type MessageEntry } from './entry.js';

export const ControlMessages = {
  // --- SF43xx: the control protocol (runtime/control/) ----------------------------------
  ControlNoOperation: entry('SF4301', 'Control', 'Unknown operation `{operation}`.'),
  /** Also a request that declares no length (`found none`): the refusal counters and the tests count both as SF4302. */
  ControlTooLarge: entry('SF4302', 'Control', 'The request must declare a body length of at most {max} bytes, found {found}.'),
  ControlUnsigned: entry('SF4303', 'Control', 'The request is not signed with the group key.'),
  /** `peer` is the refusing peer's address: the peer says it of itself, a client of the peer it called. */
  ControlBadSignature: entry('SF4304', 'Control', "The peer at {peer} refused the request: it was not signed with that peer's group key (a different key file?).", 'Use the key file of the group this peer belongs to.'),
  ControlStale: entry('SF4305', 'Control', "The request timestamp is more than {seconds} s from this peer's clock.", 'Check that the clocks of the two machines agree within 30 seconds.'),
  ControlReplay: entry('SF4306', 'Control', 'The request was already received (replayed nonce).'),
  ControlBadBody: entry('SF4307', 'Control', 'The request body is not valid {format}.'),
  ControlFailed: entry('SF4308', 'Control', 'The operation failed: {reason}.'),
  ControlBadAnswer: entry('SF4309', 'Control', 'The answer from {peer} is not readable: {reason}.'),
  /** `said`: empty, or `; it says: ` and the reason in the answer. */
  ControlUnsignedAnswer: entry('SF4310', 'Control', 'The answer from {peer} is not signed with our group key{said}.', 'The peer belongs to another group, or something else listens on that address.'),
  ControlUnreachable: entry('SF4311', 'Control', 'Cannot reach the peer at {peer}: {reason}.', 'Start one with `frog peer`, or name another with `--peer ADDR:PORT`.'),
  ControlWrongTarget: entry('SF4312', 'Control', 'The request was signed for another peer (`{signed}`), not for this one (`{here}`).', 'Name the peer by an address that reaches it directly: behind NAT or a port-forwarding proxy the signed address must be the peer\'s own address.'),
  ControlBeforeStart: entry('SF4313', 'Control', "The request was signed at {signed}, before this peer started at {started}: it is a replay of a request to the peer's previous run, or the sender's clock is {behind} ms or more behind this peer's clock.", 'Check that the clocks of the two machines agree, then send the request again.'),
  ControlBodyTooLong: entry('SF4314', 'Control', 'The request body is longer than its declared {length} bytes.'),
  /** The server's own failure around a request (not the operation's: that is SF4308). */
  ControlUnhandled: entry('SF4315', 'Control', 'The request could not be handled: {reason}.'),
  ControlBusy: entry('SF4316', 'Control', 'The peer serves {max} authenticated connections already.', 'Close idle clients, or try again in a few seconds.'),

  // --- SF4320-SF4339: the HTTP listener, event streams, `frog query` and peer configuration --
  HttpNeedsToken: entry('SF4320', 'Control', 'The HTTP listener would listen on {address}, beyond loopback, without a token.', 'Give a token file with `--http-token-file FILE` (or FROG_HTTP_TOKEN_FILE); clients send it as `Authorization: Bearer <token>`. Or listen on 127.0.0.1.'),
  HttpBadToken: entry('SF4321', 'Control', 'The HTTP token file {file} cannot be used: {reason}.'),
  HttpBadAddress: entry('SF4322', 'Control', 'The HTTP address `{text}` is not ADDR:PORT (for example 127.0.0.1:7480).'),
  HttpUnauthorized: entry('SF4323', 'Control', 'This endpoint needs the bearer token of the HTTP listener.'),
  HttpNotFound: entry('SF4324', 'Control', 'There is no endpoint `{path}`; the endpoints are {endpoints}.'),
  HttpMethod: entry('SF4325', 'Control', 'The method {method} is not allowed on `{path}`: use GET.'),
  HttpBusy: entry('SF4326', 'Control', 'The HTTP listener serves {max} {what} already.', 'Close idle clients, or try again in a few seconds.'),
  HttpBadRequest: entry('SF4327', 'Control', 'The request is not valid: {reason}.'),
  MonitorBusy: entry('SF4328', 'Control', 'The peer serves {max} event streams already.', 'Stop another `frog monitor`, or try again later.'),
  StreamBroken: entry('SF4329', 'Control', 'The event stream from {peer} cannot be trusted: {reason}.', 'The peer belongs to another group, or something between us altered the stream.'),
  StreamEnded: entry('SF4330', 'Control', 'The peer at {peer} went away: {reason}.'),
  /** `suggestion`: empty, or `; did you mean \`key-file\`` (core/suggest.ts). */
  ConfigUnknownKey: entry('SF4331', 'Control', '{file}:{line}: unknown key `{key}`{suggestion}.', 'The keys are the long options of `frog peer` without their dashes (see `frog peer --help`).'),
  ConfigBadValue: entry('SF4332', 'Control', '{file}:{line}: `{key}` must be {expected}.'),
  ConfigUnreadable: entry('SF4333', 'Control', 'The configuration file {file} cannot be read: {reason}.'),
  BadStateQuery: entry('SF4334', 'Control', 'The state-space name cannot be queried: {reason}.'),

  // --- SF4340-SF4349: the web view served by the HTTP listener (runtime/http/page.ts) --------
  WebPageMissing: entry('SF4340', 'Control', 'The web view cannot be served: {reason}.', 'Reinstall frogpond (its `web/` folder and the `preact` and `htm` packages come with it); the API endpoints still answer.'),
  WebBadToken: entry('SF4341', 'Control', 'The token given with `?token=` is not the token of this HTTP listener.', 'Open the page again with the right token, or send it as `Authorization: Bearer <token>`.'),

  // --- SF44xx of kind Control: the peer's operations refuse a request (runtime/peer/) ------
  UnknownApplication: entry('SF4405', 'Control', 'No application named `{app}` runs on any peer of the group.', 'List the applications with `frog status`.'),
  BadApplicationName: entry('SF4406', 'Control', 'The application name `{name}` is not valid: use 1 to 64 letters, digits, `_`, `.` or `-`.'),
  ApplicationExists: entry('SF4407', 'Control', 'An application named `{name}` already runs on peer `{peer}`.', 'Choose another name with `--name`, or terminate it first with `frog terminate {name}`.'),
  BadControlRequest: entry('SF4409', 'Control', 'The `{operation}` request is not valid: {reason}.'),
} as const satisfies Record<string, MessageEntry>;
