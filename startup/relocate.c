/*
 * The self-relocation of a static-PIE: the one algorithm piekit's startup stub runs, and that the
 * native engine runs on an in-memory image. It follows glibc and musl where the seed does not:
 * dynamic tags compare unsigned, the MIPS local GOT is relocated first, and bit k of a RELR
 * bitmap relocates where[k - 1].
 *
 * This file is included, never compiled alone. The includer defines how words are reached:
 *
 *   PK_WORD                         the target's unsigned word
 *   PK_CONTEXT                      type of the first parameter, handed to every accessor
 *   PK_READ(c, address)             a word of the dynamic section or of a table
 *   PK_ADD_BASE(c, address, base, source, index)        the word at address += base
 *   PK_SET(c, address, value, source, index)            the word at address = value
 *   PK_RELATIVE_MASK(c), PK_RELATIVE_INFO(c)
 *                                   r_info & mask == info marks a relative relocation
 *   PK_LOCAL_GOT(c)                 true on MIPS
 *   PK_RELA_ADDS_TO_WORD(c)         true on ARC: a relative RELA entry adds the base to the word
 *                                   and ignores r_addend, as glibc's ARC loader does
 *   PK_SKIP(c, source, index)       optional: an entry that is not relative, left alone
 *   PK_RELOCATE_NAME                optional: the function's name, to include this file more than once
 *   PK_OK(c)                        false once an accessor failed: every loop then stops
 *   PK_REL_TABLE(c, end, size, base)                     optional: a table's own loop, for the
 *   PK_RELA_TABLE(c, end, size, base)                    hottest tables (x86_64) and for test
 *   PK_RELR_BITMAP(c, where, bits, base, index)          variants (test/variants/)
 *
 * Addresses are run-time addresses (base + link-time address) and wrap modulo the word size, as
 * they do in the target's registers. `source` and `index` name the entry for error reports; the
 * stub ignores them and the compiler drops them.
 */

#define PK_DT_NULL 0
#define PK_DT_PLTGOT 3
#define PK_DT_RELA 7
#define PK_DT_RELASZ 8
#define PK_DT_REL 17
#define PK_DT_RELSZ 18
#define PK_DT_RELRSZ 35
#define PK_DT_RELR 36
#define PK_DT_NUM 38
#define PK_DT_MIPS_LOCAL_GOTNO 0x7000000a

#include "table-sources.h"

#define PK_W ((PK_WORD)sizeof(PK_WORD))
/* Nearly every REL/RELA entry of a static-PIE is relative: lay the loops out for that. */
#define PK_IS_RELATIVE(c, info) __builtin_expect(((info) & PK_RELATIVE_MASK(c)) == PK_RELATIVE_INFO(c), 1)
#define PK_BITMAP_WORDS (8 * PK_W - 1)
/* The offset into a table, climbing from -size, has not reached the end: its sign bit is set. */
#define PK_BEFORE_END(offset) ((offset) >> (8 * PK_W - 1) != 0)

#ifndef PK_SKIP
#define PK_SKIP(c, source, index) ((void)0)
#endif

#ifndef PK_RELOCATE_NAME
#define PK_RELOCATE_NAME pk_relocate
#endif

#define PK_RELA_ENTRY(c, end, offset, size, base)                                                     \
	do {                                                                                          \
		if (!PK_IS_RELATIVE(c, PK_READ(c, (end) + (offset) + PK_W)))                           \
			PK_SKIP(c, PK_SOURCE_RELA, ((size) + (offset)) / (3 * PK_W));                   \
		else if (PK_RELA_ADDS_TO_WORD(c))                                                     \
			PK_ADD_BASE(c, (base) + PK_READ(c, (end) + (offset)), base, PK_SOURCE_RELA,     \
				    ((size) + (offset)) / (3 * PK_W));                                  \
		else                                                                                  \
			PK_SET(c, (base) + PK_READ(c, (end) + (offset)), (base) + PK_READ(c, (end) + (offset) + 2 * PK_W), \
			       PK_SOURCE_RELA, ((size) + (offset)) / (3 * PK_W));                      \
	} while (0)

#ifndef PK_RELA_TABLE
#define PK_RELA_TABLE(c, end, size, base)                                                             \
	for (PK_WORD pk_offset = -(size); PK_BEFORE_END(pk_offset) && PK_OK(c); pk_offset += 3 * PK_W)   \
		PK_RELA_ENTRY(c, end, pk_offset, size, base)
#endif

#ifndef PK_REL_TABLE
#define PK_REL_TABLE(c, end, size, base)                                                              \
	for (PK_WORD pk_offset = -(size); PK_BEFORE_END(pk_offset) && PK_OK(c); pk_offset += 2 * PK_W)   \
		if (PK_IS_RELATIVE(c, PK_READ(c, (end) + pk_offset + PK_W)))                           \
			PK_ADD_BASE(c, (base) + PK_READ(c, (end) + pk_offset), base, PK_SOURCE_REL,       \
				    ((size) + pk_offset) / (2 * PK_W));                                  \
		else                                                                                  \
			PK_SKIP(c, PK_SOURCE_REL, ((size) + pk_offset) / (2 * PK_W))
#endif

/* Bit k of a bitmap relocates where[k - 1], `where` being the first word the bitmap covers. It has
 * a name of its own so that a variant can wrap it (test/variants/seed-relr.h). */
#define PK_RELR_BITMAP_LOOP(c, where, bits, base, index)                            \
	do {                                                                          \
		PK_WORD pk_at = (where);                                              \
		for (PK_WORD pk_bits = (bits); pk_bits != 0 && PK_OK(c); pk_bits >>= 1, pk_at += PK_W) \
			if (pk_bits & 1)                                              \
				PK_ADD_BASE(c, pk_at, base, PK_SOURCE_RELR, index);   \
	} while (0)

#ifndef PK_RELR_BITMAP
#define PK_RELR_BITMAP PK_RELR_BITMAP_LOOP
#endif

static inline __attribute__((always_inline)) void PK_RELOCATE_NAME(PK_CONTEXT c, PK_WORD base, PK_WORD dynamic)
{
	PK_WORD dyn[PK_DT_NUM];
	PK_WORD local_gotno = 0;
	(void)c;

	/* A plain loop or initialiser may become a memset call, which does not exist yet; volatile
	 * stores cannot, and unrolled they would be 38 stores. */
#pragma GCC unroll 1
	for (int i = 0; i < PK_DT_NUM; i++)
		((volatile PK_WORD *)dyn)[i] = 0;

	/* Later duplicates win; d_tag is signed in the ABI but compared unsigned, so a negative tag
	 * cannot index the array. */
	for (PK_WORD at = dynamic; PK_OK(c); at += 2 * PK_W) {
		PK_WORD tag = PK_READ(c, at);
		if (tag == PK_DT_NULL)
			break;
		if (tag < PK_DT_NUM)
			dyn[tag] = PK_READ(c, at + PK_W);
		else if (tag == PK_DT_MIPS_LOCAL_GOTNO)
			local_gotno = PK_READ(c, at + PK_W);
	}

	/* MIPS psABI: the local GOT holds link-time addresses with no relocation entries; it must be
	 * right before anything that reaches data through $gp. */
	if (PK_LOCAL_GOT(c)) {
		PK_WORD got = base + dyn[PK_DT_PLTGOT];
		for (PK_WORD i = 0; i < local_gotno && PK_OK(c); i++)
			PK_ADD_BASE(c, got + i * PK_W, base, PK_SOURCE_GOT, i);
	}

	/* Each table is walked by an offset that climbs from minus its size to zero, so that the
	 * loop can end on the flags of its own increment. The loops are kept rolled: the core must
	 * stay small on every target. Sizes are whole entries (the native engine checks this first,
	 * linkers never do otherwise); a partial last entry still cannot make a loop run away. A
	 * table whose address tag is absent has size 0 (a select, not a branch: smaller code). */
	{
		PK_WORD size = dyn[PK_DT_REL] != 0 ? dyn[PK_DT_RELSZ] : 0;
		PK_WORD end = base + dyn[PK_DT_REL] + size;
		PK_REL_TABLE(c, end, size, base);
	}

	{
		PK_WORD size = dyn[PK_DT_RELA] != 0 ? dyn[PK_DT_RELASZ] : 0;
		PK_WORD end = base + dyn[PK_DT_RELA] + size;
		PK_RELA_TABLE(c, end, size, base);
	}

	{
		PK_WORD size = dyn[PK_DT_RELR] != 0 ? dyn[PK_DT_RELRSZ] : 0;
		PK_WORD end = base + dyn[PK_DT_RELR] + size;
		/* A bitmap before any address entry counts from link-time address 0. */
		PK_WORD where = base;
		for (PK_WORD offset = -size; PK_BEFORE_END(offset) && PK_OK(c); offset += PK_W) {
			PK_WORD entry = PK_READ(c, end + offset);
			PK_WORD index = (size + offset) / PK_W;
			if ((entry & 1) == 0) {
				PK_ADD_BASE(c, base + entry, base, PK_SOURCE_RELR, index);
				where = base + entry + PK_W;
				continue;
			}
			PK_RELR_BITMAP(c, where, entry >> 1, base, index);
			where += PK_BITMAP_WORDS * PK_W;
		}
	}
}
