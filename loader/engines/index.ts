/** The two implementations of the relocation algorithm, chosen by name. */
export { ENGINES, type Engine, type Relocated, relocate } from './engine.js';
export { NativeStatus } from './native-surface.js';
