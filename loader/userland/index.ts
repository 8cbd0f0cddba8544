/** Running static-PIEs here: the emulator for a file, piekit's userland loader, and its TypeScript model. */
export { emulatorFor, requireEmulator } from './emulator.js';
export { loaderCommand, runThroughLoader } from './launch.js';
export { loaderFor, loaderSources } from './loader-binary.js';
export { describeModel, type LoadModel, type MappedSegment, modelLoad } from './model.js';
export { baseTakenError, isLoaderStatus, LOADER_STATUS } from './statuses.js';
export { checkLoaderBase, isRefusal, type LoaderImage, type LoaderRefusal, validateForLoader } from './validation.js';
