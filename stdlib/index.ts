/**
 * The standard components. `createStandardRegistry()` registers each under its own name and
 * SmartFrog's identifiers (docs/design/components.md Appendix A); the `.sf` prototypes that describe
 * them are in the package's description library, `library/` (`/frog/components.sf`,
 * `/org/smartfrog/components.sf`, `/org/smartfrog/sfcore/workflow/components.sf`).
 */
import { Prim } from '../runtime/component/component.js';
import { Compound } from '../runtime/component/compound.js';
import { ComponentRegistry } from '../runtime/host/registry.js';
import { And, BooleanValue, False, FileExists, Not, Or, PortOpen, True, UrlResponds } from './conditions.js';
import { Echo, Log } from './echo.js';
import { Exec } from './exec.js';
import { Directory, File } from './files.js';
import { HttpProbe } from './http-probe.js';
import { ForEach } from './state/for-each.js';
import { StateObserver } from './state/state-observer.js';
import { StatePublisher } from './state/state-publisher.js';
import { Parallel, Repeat, Retry, Sequence } from './workflow/combinators.js';
import { FailingWaitFor, If, Run, Terminator, Try, WaitFor } from './workflow/control.js';
import { Delay, DoNothing, During, Timeout } from './workflow/timing.js';
import { WorkflowCompound } from './workflow/workflow-compound.js';

const W = 'org.smartfrog.sfcore.workflow.';

export function registerStandardComponents(registry: ComponentRegistry): ComponentRegistry {
  registry
    .register('Prim', Prim, 'org.smartfrog.sfcore.prim.PrimImpl')
    .register('Compound', Compound, 'org.smartfrog.sfcore.compound.CompoundImpl')
    .register('EventPrim', Prim, `${W}eventbus.EventPrimImpl`)
    .register('EventCompound', WorkflowCompound, `${W}eventbus.EventCompoundImpl`);
  const combinators = { Sequence, Parallel, Repeat, Retry, Timeout, Delay, During, Try, Run };
  for (const [name, cls] of Object.entries(combinators)) registry.register(name, cls, `${W}combinators.${name}`);
  registry
    .register('DoNothing', DoNothing, `${W}components.DoNothing`)
    .register('Terminator', Terminator, `${W}components.Terminator`)
    .register('If', If, `${W}conditional.IfImpl`)
    .register('WaitFor', WaitFor, `${W}conditional.WaitForImpl`)
    .register('FailingWaitFor', FailingWaitFor);
  const conditions = { True, False, BooleanValue, And, Or, Not };
  for (const [name, cls] of Object.entries(conditions)) registry.register(name, cls, `${W}conditional.conditions.${name}`);
  registry
    .register('FileExists', FileExists)
    .register('PortOpen', PortOpen)
    .register('UrlResponds', UrlResponds)
    .register('Echo', Echo)
    .register('Log', Log)
    .register('Exec', Exec)
    .register('File', File)
    .register('Directory', Directory)
    .register('HttpProbe', HttpProbe)
    .register('StatePublisher', StatePublisher)
    .register('StateObserver', StateObserver)
    .register('ForEach', ForEach)
    .register('DeployOnEach', ForEach);
  return registry;
}

export function createStandardRegistry(): ComponentRegistry {
  return registerStandardComponents(new ComponentRegistry());
}

export { Echo, Log, valueText } from './echo.js';
export { Exec } from './exec.js';
export { File, Directory } from './files.js';
export { HttpProbe } from './http-probe.js';
export { StatePublisher } from './state/state-publisher.js';
export { StateObserver } from './state/state-observer.js';
export { ForEach } from './state/for-each.js';
export { Condition, isCondition, True, False, BooleanValue, And, Or, Not, FileExists, PortOpen, UrlResponds, type ConditionComponent } from './conditions.js';
export { WorkflowCompound } from './workflow/workflow-compound.js';
export { Sequence, Parallel, Repeat, Retry } from './workflow/combinators.js';
export { Timeout, During, Delay, DoNothing } from './workflow/timing.js';
export { Try, Terminator, Run, If, WaitFor, FailingWaitFor } from './workflow/control.js';
