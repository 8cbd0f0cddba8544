/**
 * A verification that cannot start because of what was asked: no stop point in a stripped file, a
 * symbol the file lacks, a base that is taken, a core of another program. The command line
 * reports it on one line with the invalid-input status.
 */
export class VerifyInputError extends Error {
  override readonly name = 'VerifyInputError';
}
