// elfy ships no types; only what the oracle test reads is declared. Its numbers are JS numbers,
// exact only below 2^53, which is why it is an oracle and not the reader.
declare module 'elfy' {
  interface ElfyProgram {
    readonly offset: number;
    readonly vaddr: number;
    readonly paddr: number;
    readonly filesz: number;
    readonly memsz: number;
    readonly align: number;
  }
  interface ElfyFile {
    readonly entry: number;
    readonly phoff: number;
    readonly shoff: number;
    readonly flags: number;
    readonly ehsize: number;
    readonly phentsize: number;
    readonly phnum: number;
    readonly shentsize: number;
    readonly shnum: number;
    readonly shstrndx: number;
    readonly body: { readonly programs: readonly ElfyProgram[] };
  }
  const elfy: { parse(bytes: Uint8Array): ElfyFile };
  export default elfy;
}
