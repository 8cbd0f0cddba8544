/** Building freestanding C programs with piekit's startup stub, for any architecture of the records. */
export { type BuildOptions, buildCommand, buildProgram } from './build.js';
export { relocationDefines } from './flags.js';
export { architecturePackages, missingRequirement } from './requirements.js';
