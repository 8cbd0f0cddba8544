/*
 * Test-only stub variant, force-included (-include): a startup that runs its relocator twice, so
 * every planned word is stored twice (REL and RELR words end one base too high; RELA words end
 * right, which only a trace of the stores sees).
 */
#define PK_RELOCATE_NAME pk_relocate_tables
#define pk_relocate(c, base, dynamic) (pk_relocate_tables(c, base, dynamic), pk_relocate_tables(c, base, dynamic))
