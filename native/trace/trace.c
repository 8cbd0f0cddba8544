/*
 * piekit's qemu-user TCG plugin: records every load and store of a guest program's startup, in
 * order, each with its instruction's pc and instruction count, and the first system call, until a
 * stop point; then ends qemu. `piekit trace` reads the record back (loader/trace/record.ts).
 *
 * Arguments (`-plugin trace.so,out=PATH,entry=VADDR[,base=ADDR][,stop=VADDR|stop=syscall][,onstop=continue]`):
 *   out    the record's path, mapped shared at load and its descriptor closed at once: the guest owns
 *          every file descriptor (piekit's samples write fd 3), and a mapping keeps what was recorded
 *          when the guest's crash takes qemu down without a word to its plugins;
 *   entry  the program's link-time entry point (Thumb bit cleared);
 *   base   where piekit's loader puts the program: recording starts when base + entry runs. Without
 *          it, qemu runs the program itself and its first instruction is the entry: base follows;
 *   stop   a link-time address (recording ends before base + stop runs), or `syscall` (before the
 *          first system call); without it, at the program's end.
 *   onstop `exit` (the default) ends qemu at the stop; `continue` only stops recording there, for
 *          a run that qemu's GDB stub stops at the same place (`verify --trace`), or that writes
 *          its own dump after relocating: the guest runs on at the plugin's cost of nothing.
 *
 * The record: a 16-byte header ("PKTRACE\0", u32 version, u32 records written) and 32-byte records
 * {u64 count, u64 pc, u64 address, u32 size, u32 kind} in the host's byte order. `count` is the
 * number of guest instructions executed before the record's instruction since qemu started.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu-plugin-api.h"

__attribute__((visibility("default"))) int qemu_plugin_version = PK_PLUGIN_API_VERSION;

enum record_kind {
  RECORD_LOAD = 1,
  RECORD_STORE = 2,
  /* pc: the first recorded instruction, the program's entry. */
  RECORD_START = 3,
  /* address: the system call's number. */
  RECORD_SYSCALL = 4,
  /* pc: the stop point, reached. */
  RECORD_STOP = 5,
  /* The program ended before the stop. */
  RECORD_EXIT = 6,
  /* Recording gave up at RECORD_LIMIT records. */
  RECORD_FULL = 7,
};

struct record {
  uint64_t count;
  uint64_t pc;
  uint64_t address;
  uint32_t size;
  uint32_t kind;
};

/* Per translated instruction: what its memory callbacks need to place it. */
struct instruction {
  uint64_t pc;
  /* Its position in its block, and the block's length: the counter is bumped once per block. */
  uint32_t index;
  uint32_t block_length;
};

/* 128 MiB of record, sparse until written: far past any startup; a runaway program must not fill the disk. */
#define RECORD_LIMIT (4u << 20)

struct header {
  char magic[8];
  uint32_t version;
  /* Records written so far: the reader needs no end marker when qemu dies. */
  uint32_t records;
};

static char *out_path;
static uint64_t entry;
static uint64_t base;
static int base_known;
static int stop_at_syscall;
static int stop_known;
static int exit_at_stop = 1;
static uint64_t stop_vaddr;
static int recording;
static int finished;
static uint64_t executed;
static struct header *header;
static struct record *records;

static void put(uint32_t kind, uint64_t count, uint64_t pc, uint64_t address, uint32_t size) {
  uint32_t at = header->records;
  if (at >= RECORD_LIMIT) return;
  if (at + 1 == RECORD_LIMIT) {
    kind = RECORD_FULL;
    recording = 0;
  }
  records[at] = (struct record){count, pc, address, size, kind};
  header->records = at + 1;
}

static uint64_t count_of(const struct instruction *instruction) {
  return executed - instruction->block_length + instruction->index;
}

/* The stop is reached: nothing after it is recorded, and unless another party stops the guest there, it must not run on. */
static void finish(uint32_t kind, uint64_t count, uint64_t pc, uint64_t address) {
  put(kind, count, pc, address, 0);
  recording = 0;
  finished = 1;
  if (exit_at_stop) _exit(0);
}

static void on_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *userdata) {
  (void)vcpu;
  if (!recording) return;
  const struct instruction *instruction = userdata;
  put(qemu_plugin_mem_is_store(info) ? RECORD_STORE : RECORD_LOAD, count_of(instruction), instruction->pc, vaddr,
      1u << qemu_plugin_mem_size_shift(info));
}

static void on_start(unsigned int vcpu, void *userdata) {
  (void)vcpu;
  if (recording || finished) return;
  recording = 1;
  const struct instruction *instruction = userdata;
  put(RECORD_START, count_of(instruction), instruction->pc, 0, 0);
}

static void on_stop(unsigned int vcpu, void *userdata) {
  (void)vcpu;
  const struct instruction *instruction = userdata;
  if (recording) finish(RECORD_STOP, count_of(instruction), instruction->pc, 0);
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t number, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                       uint64_t a5, uint64_t a6, uint64_t a7, uint64_t a8) {
  (void)id, (void)vcpu, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5, (void)a6, (void)a7, (void)a8;
  static int seen;
  if (!recording || seen) return;
  seen = 1;
  // The system call instruction ends its block: the counter already includes it.
  if (stop_at_syscall) {
    finish(RECORD_SYSCALL, executed - 1, 0, (uint64_t)number);
    return;
  }
  put(RECORD_SYSCALL, executed - 1, 0, (uint64_t)number, 0);
}

static void on_exit_of_qemu(qemu_plugin_id_t id, void *userdata) {
  (void)id, (void)userdata;
  if (finished) return;
  put(RECORD_EXIT, executed, 0, 0, 0);
}

static void on_translation(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t length = qemu_plugin_tb_n_insns(tb);
  // Without a base, qemu's first block is the program's entry.
  if (!base_known) {
    base = qemu_plugin_tb_vaddr(tb) - entry;
    base_known = 1;
  }
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, length);
  for (size_t i = 0; i < length; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    struct instruction *instruction = malloc(sizeof *instruction);
    if (instruction == NULL) return;
    *instruction = (struct instruction){qemu_plugin_insn_vaddr(insn), (uint32_t)i, (uint32_t)length};
    if (instruction->pc == base + entry) qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, instruction);
    if (stop_known && instruction->pc == base + stop_vaddr)
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop, QEMU_PLUGIN_CB_NO_REGS, instruction);
    qemu_plugin_register_vcpu_mem_cb(insn, on_access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, instruction);
  }
}

static int parse_number(const char *text, uint64_t *value) {
  char *end;
  *value = strtoull(text, &end, 0);
  return *text != '\0' && *end == '\0';
}

static int refuse(const char *why, const char *argument) {
  char message[512];
  snprintf(message, sizeof message, "piekit trace plugin: %s%s%s\n", why, argument == NULL ? "" : ": ", argument == NULL ? "" : argument);
  qemu_plugin_outs(message);
  fputs(message, stderr);
  return -1;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  // qemu checked qemu_plugin_version against its range; a plugin trusts no one but itself.
  if (info->version.min > PK_PLUGIN_API_VERSION || info->version.cur < PK_PLUGIN_API_VERSION)
    return refuse("qemu does not offer plugin API version 1", NULL);
  if (info->system_emulation) return refuse("only qemu-user is supported", NULL);
  int entry_known = 0;
  for (int i = 0; i < argc; i++) {
    const char *argument = argv[i];
    if (strncmp(argument, "out=", 4) == 0) {
      out_path = strdup(argument + 4);
    } else if (strncmp(argument, "entry=", 6) == 0) {
      if (!parse_number(argument + 6, &entry)) return refuse("bad entry", argument);
      entry_known = 1;
    } else if (strncmp(argument, "base=", 5) == 0) {
      if (!parse_number(argument + 5, &base)) return refuse("bad base", argument);
      base_known = 1;
    } else if (strcmp(argument, "stop=syscall") == 0) {
      stop_at_syscall = 1;
    } else if (strcmp(argument, "onstop=exit") == 0 || strcmp(argument, "onstop=continue") == 0) {
      exit_at_stop = strcmp(argument, "onstop=exit") == 0;
    } else if (strncmp(argument, "stop=", 5) == 0) {
      if (!parse_number(argument + 5, &stop_vaddr)) return refuse("bad stop", argument);
      stop_known = 1;
    } else {
      return refuse("unknown argument", argument);
    }
  }
  if (out_path == NULL || !entry_known) return refuse("out=PATH and entry=VADDR are required", NULL);
  size_t length = sizeof(struct header) + (size_t)RECORD_LIMIT * sizeof(struct record);
  int fd = open(out_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return refuse("cannot create the record", out_path);
  void *mapped = ftruncate(fd, (off_t)length) == 0 ? mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  close(fd);
  if (mapped == MAP_FAILED) return refuse("cannot map the record", out_path);
  header = mapped;
  records = (struct record *)(header + 1);
  memcpy(header->magic, "PKTRACE", 8);
  header->version = 1;
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translation);
  qemu_plugin_register_vcpu_syscall_cb(id, on_syscall);
  qemu_plugin_register_atexit_cb(id, on_exit_of_qemu, NULL);
  return 0;
}
