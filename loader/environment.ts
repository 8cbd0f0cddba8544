/**
 * Something piekit needs from the machine is missing (a compiler, an emulator, the native addon).
 * Not a defect of piekit and not of the input: the message names what to install.
 */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}
