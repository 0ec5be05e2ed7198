/**
 * docs/troubleshooting.md, generated from the message catalogue (core/messages/): every code
 * with its kind, its text and what to do. What to do is the entry's own `hint` where it has
 * one, and otherwise the advice below, written here for the manual. The advice is keyed by
 * the entry's name, never by its code (codes are written only in the catalogue). A code with
 * neither fails test/docs/generated.test.ts, so that a new code is documented when it is added.
 */
import { MessageAreas, Messages, type MessageEntry } from '../../core/messages/index.js';
import type { MessageName } from '../../core/messages/index.js';

/** What to do, for the entries whose own hint is missing (or needs more for a reader of the manual). */
export const ADVICE: Partial<Record<MessageName, string>> = {
  // syntax
  UnexpectedCharacter: 'Remove the character, or put the text in a string (`"..."`). Words may contain letters, digits and `. _ - + @ # ~ $ % ^ &`.',
  UnexpectedToken: 'Look at the code frame: often a missing `;` or `}` just before, a `{` left open, or an operator without spaces around it (`(a-b)` is one word; write `(a - b)`).',
  LongTooLarge: 'A Long holds −2^63 to 2^63−1. Use a Double (`1e20`) or a String for larger numbers.',
  BadByteArray: 'Check the digits: `#HEX#` takes pairs of hex digits, `#DEC#` numbers 0 to 255, `#OCT#` octal, `#BIN#` 8-bit binary, `#B64#` base64.',
  DataAndLazy: 'Keep one: `LAZY` resolves the reference when the component reads it, `DATA` keeps the reference itself as the value.',
  ConstraintVariable: 'frogpond has no constraint solving: give the attribute a value, or `TBD` for one to be supplied by an extending description.',
  UnexpectedEnd: 'Something opened is not closed: a `{`, `(`, `[`, `IF ... FI` or `SWITCH ... ENDSWITCH`. The code frame points at the end of the file; look upwards for the opening.',
  BadReferenceText: 'Write the reference as in a description: names and keywords separated by `:`, as in `PARENT:port` or `ROOT:web:port`.',
  // includes
  IncludeNotFound: 'Check the name and the folders searched (in the hint): the including file\'s folder, each `-I DIR`, then the standard library. Add the folder with `-I`, or use `#include?` for a file that may be absent.',
  IncludeCycle: 'Two files include each other (through the files listed). Move what both need into a third file that both include.',
  IncludeUnreadable: 'Check that the file exists and that this user may read it.',
  FileUnreadable: 'Check the path given to the command, and that this user may read the file.',
  IncludeParse: 'The included file has syntax errors: they are reported at their place in that file, just after this one. Fix them there.',
  // prototypes and placement
  PrototypeNotFound: 'A prototype name is looked up from the description being defined upwards. Check the spelling, and the `#include` that defines it (most standard components need `#include "/frog/components.sf"`).',
  PrototypeNotDescription: 'Only a description (`extends { ... }` or a prototype) can be extended. To take a value, write it as a link: `port base:port;`, not `port extends base:port;`.',
  PrototypeCycle: 'A description extends itself through the chain shown. Break the chain: one of the prototypes must not extend the others.',
  FinalOverridden: 'The attribute is tagged `[sfFinal]` in a prototype: it may not be changed. Leave it out of the extending description, or remove the tag where it is defined.',
  DoesNotOverride: 'An attribute tagged `[sfOverride]` must replace an inherited one. Check its spelling against the prototype, or remove the tag.',
  PlacementUnresolved: 'A placement `a:b:name value` needs `a:b` to exist as a description when placements run. Check each part of the name (the cause says which one failed); placement never creates a description.',
  PlacementFinal: 'The attribute placed into is tagged `[sfFinal]`: it may not be replaced. Place another name, or remove the tag.',
  // function phase
  FunctionClassMissing: 'A description that extends `Function` must say which function it is: extend a template of `/org/smartfrog/functions.sf` (`sum`, `concat`, ...), or set `sfFunctionClass`.',
  SchemaElementNotDescription: 'Every attribute of a schema constrains one attribute: write it as `name extends String;` (or another entry of `predicates.sf`), not as a plain value.',
  UnknownPhaseAction: 'frogpond runs the phases `type`, `place`, `function`, `sfConfig` and `link`, and no user phases. Remove the `phase.*` attribute, or the phase from `phaseList`.',
  BadPhaseList: 'Write the phase list as a literal vector of strings: `phaseList [| "type", "place", "function", "sfConfig", "link" |];`.',
  SfConfigNotDescription: 'Write `sfConfig extends { ... }` (or `extends` a prototype), or make `sfConfig` a link to a description.',
  // references
  ReferenceThroughValue: 'A reference can only go through descriptions. The part named is a plain value: the reference probably has one part too many, or names the wrong attribute.',
  ParentOfRoot: 'The reference has more `PARENT` parts than the description has levels above it. Remove one, or start from `ROOT`.',
  CyclicReference: 'The attributes listed refer to each other in a circle. Give one of them a value. In an operator, an operand named `left`, `right`, `data`, `if`, `then` or `else` finds the function\'s own parameter: write `PARENT:left`.',
  // functions
  IllegalNumeric: 'The operand must be a number. Check the reference it comes from, or convert: a number written in quotes is a String.',
  IllegalBoolean: 'The operand must be `true` or `false`, such as the result of a comparison.',
  MissingParameter: 'Give the function the parameter named; the language reference lists each function\'s parameters.',
  DivisionByZero: 'Integer division and `%` by zero are errors. Check the divisor, or use Doubles (`1.0 / 0.0` is Infinity).',
  UnknownFunction: 'The `sfFunctionClass` names no built-in function. Use a template of `/org/smartfrog/functions.sf`, or register the function with the component host at run time and mark its use `LAZY`.',
  FunctionFailed: 'Read the reason: the function could not work with the operands it was given.',
  NoOperands: 'Give the function at least one operand: `(a ++ b)`, or `x extends concat { -- "a"; }`.',
  IllegalNumericOperand: 'The operand pointed at must be a number of the kind named. `"8080"` in quotes is a String: write `8080`. To join text, use `++`, not `+`.',
  IllegalBooleanOperand: 'The operand pointed at must be `true` or `false`, such as the result of a comparison `(a > b)`.',
  ExplainPathThroughValue: 'The path goes through a plain value. Stop the path at that attribute, or check its spelling.',
  // assertions and schemas
  AssertionFailed: 'The assertions listed evaluated to false for the values given. Change the values, or the assertion if it is wrong.',
  StaticAssertionLazy: 'A `static` assertion is checked when compiling, and a LAZY value is only known at run time. Make the value eager, or set `sfAssertionPhase "dynamic"` to check it at run time.',
  BadAssertionPhase: 'Use one of `"static"`, `"staticLazy"` and `"dynamic"`.',
  SchemaMissing: 'The component needs this attribute: set it in the description (the component reference lists each component\'s required attributes).',
  SchemaWrongClass: 'Give a value of the type expected: a number without quotes, a string in quotes, `true`/`false`, `[ ... ]` for a vector, `extends { ... }` for a description.',
  SchemaNotLazy: 'The attribute must be a reference read at run time: write it `LAZY` (`source LAZY PARENT:web;`).',
  SchemaBadBinding: 'A schema element\'s `binding` is `"anyBinding"`, `"eager"` or `"lazy"`.',
  SchemaLazyForEager: 'The attribute is read when compiling: remove `LAZY` so that the value is resolved now.',
  SchemaBadClassParameter: 'Write `class` as a class name string (`"java.lang.String"`) or a vector of them, or extend a typed entry of `predicates.sf` (`String`, `Long`, ...).',
  SchemaNotAllowed: 'Use one of the values listed (the hint suggests the closest when the value looks like a slip).',
  SchemaOutOfRange: 'Use a value in the range given (both ends included).',
  SchemaBadParameter: 'A schema element\'s `values` is a vector, and its `min` and `max` are numbers.',
  // plans
  PlanInvalid: 'The plan file is damaged or was not written by `frog compile`. Compile it again from its description.',
  NotCanonical: 'A value has no form in a plan (such as `TBD`, or a byte array where text is expected). Resolve the description with `frog resolve` to see the value, and change it.',
  NotCanonicalAt: 'As {code:NotCanonical}; the place in the data is given in brackets.',
  // components on a host
  ComponentModuleLoad: 'The module could not be imported. Check the path (relative to the description\'s folder), and run it with `node` or `npx tsx` to see its own error.',
  BadAttribute: 'Give the attribute a value of the type expected. For a class of your own, the type comes from its `static attributes` declaration.',
  MissingAttribute: 'Set the attribute in the description (or give it a default in the component).',
  RuntimeReference: 'A LAZY reference is resolved against the running components: the component it names may not exist (yet), or may have terminated. Check the path, or use `OPTIONAL(default)`.',
  RuntimeFunction: 'A LAZY function failed with the values it found at run time. The reason says which; check the attributes it reads.',
  RuntimeAssertion: 'A dynamic assertion did not hold when the component deployed or asked. Check the values it reads at that moment.',
  LivenessFailure: 'The component did not answer in time: it may be stuck in a long synchronous task. Make its work asynchronous, or raise `sfLivenessDelay` (seconds) or `sfLivenessFactor` on it or a parent; `sfLivenessDelay 0` turns pings off for a subtree.',
  ParentUnreachable: 'The parent stopped pinging: its peer may have failed or be cut off. Look at that peer; the component terminates itself rather than run alone.',
  BadPlanFile: 'Check the path, and that the file was written by `frog compile` (JSON when its name ends in `.json`).',
  DeployFailed: 'Read the reason after the colon: usually an attribute of the component, or a module that failed. Fix the description and deploy again.',
  ComponentFailed: 'The component\'s own message: it explains what went wrong while it ran. See the component\'s documentation, or its code for a class of your own.',
  LifecycleFailed: 'A lifecycle step failed after the component was terminated: the reason is recorded. Usually harmless; look at it if a termination hook of your own did not finish.',
  // distributed deployment
  RemotePeerLost: 'The peer running that part left the group (stopped, crashed or cut off). Put the part under a `Retry` to deploy it again when the peer is back, or restart the peer.',
  UnknownSubtree: 'The part is no longer on that peer (it ended, or the peer restarted without `--data`). Deploy the application again if it should still run.',
  SubtreeFenced: 'The parent replaced or gave up this copy of the part (after a network split, for example); it terminates so that only one copy runs. Nothing to do.',
  RemoteDeployFailed: 'The peer named could not deploy the part: read the reason, and that peer\'s own output.',
  ApplicationReplaced: 'Two peers ran the same application (deployed again while one was cut off); the older copy stops. Nothing to do, unless the name was reused by mistake.',
  // the group and `frog peer`
  KeyFileProblem: 'A key file is one line of base64 for 32 bytes, mode 0600 (readable by its owner only). Make one with `frog key generate FILE`, or fix its mode with `chmod 600 FILE`.',
  BadGroupKey: 'The key is not 32 bytes of base64. Generate a new one with `frog key generate FILE` and give it to every peer.',
  UnknownProfile: 'Choose one of the profiles named (see the operations guide for their timings).',
  MalformedHeartbeat: 'Datagrams on the group port that are not heartbeats of this version are counted and dropped. If they keep coming, another program uses the same group: choose another `--group`.',
  ValueTooLarge: 'A published state value is limited to 64 KiB once encoded. Publish less (a `StatePublisher`\'s `attributes`), or a name to look the data up elsewhere.',
  ValueNotEncodable: 'Publish plain values: numbers, strings, booleans, vectors and descriptions of them.',
  GroupPortUnavailable: 'Another program holds the group\'s UDP port without sharing it. Stop it, or choose another port with `--group ADDRESS:PORT` on every peer of the group.',
  MulticastJoinFailed: 'The interface cannot join the group: check that `--interface` is an address of this machine and that it supports multicast (`ip maddr`); on a network without multicast no group forms.',
  BadGroupOption: 'Write the group as an IPv4 multicast address and a port, as in the example.',
  NotMulticastGroup: 'Use an address from 224.0.0.0 to 239.255.255.255; 239.x.y.z addresses are meant for private use.',
  BadPeerName: 'Give a name of 1 to 64 bytes (the host name is used when `--name` is not given).',
  BadPeerId: 'Give a whole number in the range shown, or leave `--id` out to derive it from the name.',
  BadEventsOption: 'Write `--events json`, or leave the option out.',
  KeyFileRequired: 'Every command that talks to a peer needs the group key: give `--key-file FILE`, or set `FROG_KEY_FILE`.',
  DuplicatePeerIgnored: 'A second peer uses a name or node id already taken; it is ignored and refuses itself. Start it with another `--name` (or `--id`).',
  // the state space
  BadStateValue: 'Publish plain values (numbers, strings, booleans, vectors, descriptions of them) of at most 64 KiB encoded.',
  StateWithdrawn: 'The publisher withdrew this state (it terminated); a component that updates it must publish it again under its name.',
  TooFewProviders: 'Fewer providers than `minimum` appeared before `timeout`: check that the publishers run (`frog status`) and use the same `stateName`, or lower `minimum` or raise `timeout`.',
  // the control protocol
  ControlNoOperation: 'The client and the peer run different versions of frogpond. Run the same version on both.',
  ControlTooLarge: 'The request is too large (a very large plan?). Split the application, or check that the client is a frogpond client.',
  ControlUnsigned: 'Requests to a peer must be signed: use `frog` with `--key-file`, not a plain HTTP client.',
  ControlReplay: 'The same signed request arrived twice (a retry by a proxy, or a replay). Send the command again: a new request gets a new nonce.',
  ControlBadBody: 'The client and the peer run different versions of frogpond, or something other than `frog` sent the request.',
  ControlFailed: 'The peer accepted the request but the operation failed: read the reason after the colon.',
  ControlBadAnswer: 'Something other than a frogpond peer answered on that address, or the versions differ. Check `--peer`.',
  ControlBodyTooLong: 'The request was malformed on its way. Send it again; if it persists, check what lies between the client and the peer.',
  ControlUnhandled: 'An internal error of the peer: see its output (with `FROG_DEBUG=1` for the stack trace), and report it.',
  BadApplicationName: 'Use `--name` with 1 to 64 letters, digits, `_`, `.` or `-`. By default the name is the file\'s name without `.sf`.',
  BadControlRequest: 'The client and the peer run different versions of frogpond, or the request was altered. Run the same version on both.',
  // the checkpoint store
  StoreWriteFailed: 'The disk may be full or read-only. Free space in the data directory\'s file system; the component that could not be checkpointed fails.',
  StoreClosed: 'The peer is stopping: checkpoints after its store closed are refused. Nothing to do.',
  CheckpointRejected: 'An attribute could not be saved (read the reason): give the component values that can be checkpointed, or tag the attribute `[sfVolatile]` to leave it out.',
  CheckpointFailed: 'As {code:StoreWriteFailed}: the component fails because its state could not be made durable. Fix the disk, then deploy again.',
  DeploymentInterrupted: 'The peer stopped in the middle of a deployment; what it did is said after the semicolon. Nothing to do unless the application should be deployed again.',
  // the HTTP listener, event streams, query and peer configuration files
  HttpBadToken: 'The token file must hold one line of at least 16 printable characters, no spaces, readable by the peer. Generate one with `head -c 24 /dev/urandom | base64`.',
  HttpBadAddress: 'Give `--http` as ADDR:PORT, for example `127.0.0.1:7480`; a name must resolve to an address of this host.',
  HttpUnauthorized: 'Send the token the peer was given: `curl -H "Authorization: Bearer $(cat http.token)" ...`.',
  HttpNotFound: 'Use one of the endpoints the message lists; they are read-only and all answer GET.',
  HttpMethod: 'The listener is read-only: every endpoint answers GET (and HEAD) only. Changes go through the control API (`frog deploy`, `frog terminate`).',
  HttpBadRequest: 'A client sent something that is not a valid HTTP request (or a query parameter is malformed). Check the client; the peer closed that connection and goes on.',
  StreamEnded: 'The peer stopped, restarted or became unreachable. Check it with `frog status`; run `frog monitor` again once it is back.',
  ConfigBadValue: 'Give the key a value of the kind the message names (a string in quotes, an integer, a number); see `frog peer --print-config` for a valid file.',
  ConfigUnreadable: 'Check the path (relative paths are relative to the working directory) and that the peer\'s user can read the file.',
  BadStateQuery: 'Give a state-space name: `peer/<name>`, `app/<application>/<path>`, or a name a component publishes; at most 256 characters, no control characters.',
};

/** The areas of the catalogue as the page groups them. */
const AREAS: readonly { key: keyof typeof MessageAreas; title: string; intro: string }[] = [
  { key: 'syntax', title: 'Syntax (SF1xxx)', intro: 'Reported by every command that reads a `.sf` file, before anything else.' },
  {
    key: 'resolution',
    title: 'Resolution (SF2xxx)',
    intro: 'Includes, prototypes, placements, references and functions: reported by `frog resolve`, `validate`, `compile`, `explain`, `run` and `deploy`.',
  },
  { key: 'plan', title: 'Assertions, schemas and plans (SF3xxx)', intro: 'Checks of the resolved description, and the plan file.' },
  {
    key: 'runtime',
    title: 'Run time (SF40xx, SF44xx–SF46xx)',
    intro: 'Components on a peer, deployment across peers, the group and the settings of `frog peer`, the state space. Shown in a peer\'s output, in `frog run`, and in `frog status` as the reason an application ended.',
  },
  { key: 'control', title: 'Control (SF43xx, SF44xx)', intro: 'Requests from `frog deploy`, `status`, `terminate` and `members` to a peer, and between peers.' },
  { key: 'store', title: 'Checkpoint store (SF48xx)', intro: 'The data directory of `frog peer --data` and `frog run --data`.' },
];

/** Catalogue entries that have neither a hint nor advice here: each must get one. */
export function undocumentedMessages(): string[] {
  return Object.entries(Messages)
    .filter(([name, m]) => !m.hint && !ADVICE[name as MessageName])
    .map(([name, m]) => `${m.code} ${name}`);
}

/** Advice for names that are no longer in the catalogue (left behind when an entry is renamed). */
export function staleAdvice(): string[] {
  return Object.keys(ADVICE).filter((name) => !(name in Messages));
}

/** `{code:Name}` in advice → the code of that entry, linked. */
function withCodes(text: string): string {
  return text.replace(/\{code:(\w+)\}/g, (whole, name: string) => {
    const m = (Messages as Record<string, MessageEntry>)[name];
    return m ? `[${m.code}](#${m.code.toLowerCase()})` : whole;
  });
}

/** The text of an entry with its placeholders shown as `‹name›`. */
function shown(text: string): string {
  return text.replace(/\{(\w+)\}/g, '‹$1›');
}

function section(name: string, m: MessageEntry): string[] {
  const out = [`### ${m.code}`, '', `${m.kind} ${m.severity}${m.fragment ? ' (a reason that other messages carry)' : ''}: ${shown(m.text)}`, ''];
  const hint = m.hint ? shown(m.hint) : undefined;
  const advice = ADVICE[name as MessageName];
  if (hint) out.push(`Hint: ${hint}`, '');
  if (advice) out.push(`${hint ? 'Also: ' : 'What to do: '}${withCodes(advice)}`, '');
  return out;
}

/** docs/troubleshooting.md. */
export function troubleshootingPage(): string {
  const out: string[] = [
    '<!-- Generated by `npm run docs` from core/messages/ and tools/docs/errors.ts: do not edit. -->',
    '',
    '# Troubleshooting',
    '',
    'Every problem frogpond reports has a stable code, `SF` and four digits, printed with the file, line and column',
    'it concerns, a code frame, and often a hint:',
    '',
    '```',
    `app.sf:4:35 - error ${Messages.ReferenceNotFound.code}: Unresolved Reference \`db:port\` in \`sfConfig:web:dbPort\`: reference not found: no \`port\` in \`db\`.`,
    '```',
    '',
    `Find the code below (its heading is the code: \`troubleshooting.md#${Messages.ReferenceNotFound.code.toLowerCase()}\`). Each entry gives the kind of problem,`,
    'the message with its variable parts shown as `‹name›`, and what to do. A description with several mistakes gets',
    'them all in one run: fix the first ones first, since a later error may follow from an earlier one.',
    `Warnings (such as ${Messages.UnknownAttribute.code}) do not stop a command. A peer prints its errors on standard error, and`,
    '`frog status` shows the reason an application ended, with its code.',
    '',
    'When a message is not clear, `frog explain FILE PATH` shows where an attribute\'s value comes from, and',
    '`FROG_DEBUG=1` makes an internal error print its stack trace.',
    '',
  ];
  for (const { key, title } of AREAS) {
    const codes = Object.values(MessageAreas[key])
      .map((m) => m.code)
      .sort();
    out.push(`- [${title}](#${title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')}): ${codes.length} codes`);
  }
  out.push('');
  for (const { key, title, intro } of AREAS) {
    out.push(`## ${title}`, '', intro, '');
    const entries = Object.entries(MessageAreas[key] as Record<string, MessageEntry>).sort(([, a], [, b]) => a.code.localeCompare(b.code));
    for (const [name, m] of entries) out.push(...section(name, m));
  }
  return out.join('\n').replace(/\n+$/, '\n');
}
