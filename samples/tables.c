/*
 * Pointer patterns chosen for the packed RELR format: runs that fill every bitmap position,
 * strides that leave holes, gaps longer than one bitmap (63 words on 64-bit, 31 on 32-bit), and
 * pointers with addends into the middle of arrays.
 */
#include "piekit.h"
#include "check.h"

static long target[256];
static char bytes[300];

/* Dense: every word a pointer, long enough for several full bitmaps. */
static long *dense[200] = {
#define D4(i) &target[i], &target[i + 1], &target[i + 2], &target[i + 3]
#define D20(i) D4(i), D4(i + 4), D4(i + 8), D4(i + 12), D4(i + 16)
	D20(0), D20(20), D20(40), D20(60), D20(80), D20(100), D20(120), D20(140), D20(160), D20(180),
};

/* Strided: a pointer every k-th word for k = 2..5, then single pointers separated by gaps that
 * no bitmap can bridge. */
struct stride2 { long *p; uintptr_t gap[1]; };
struct stride3 { long *p; uintptr_t gap[2]; };
struct stride5 { long *p; uintptr_t gap[4]; };
struct far { long *p; uintptr_t gap[63]; };
struct farther { long *p; uintptr_t gap[64]; };
struct farthest { long *p; uintptr_t gap[200]; };

#define S(i) { &target[i], { 0 } }
static struct stride2 stride2[40] = {
	S(0), S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8), S(9), S(10), S(11), S(12), S(13),
	S(14), S(15), S(16), S(17), S(18), S(19), S(20), S(21), S(22), S(23), S(24), S(25), S(26),
	S(27), S(28), S(29), S(30), S(31), S(32), S(33), S(34), S(35), S(36), S(37), S(38), S(39),
};
static struct stride3 stride3[30] = {
	S(0), S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8), S(9), S(10), S(11), S(12), S(13),
	S(14), S(15), S(16), S(17), S(18), S(19), S(20), S(21), S(22), S(23), S(24), S(25), S(26),
	S(27), S(28), S(29),
};
static struct stride5 stride5[20] = {
	S(0), S(1), S(2), S(3), S(4), S(5), S(6), S(7), S(8), S(9), S(10), S(11), S(12), S(13),
	S(14), S(15), S(16), S(17), S(18), S(19),
};
static struct far far[4] = { S(100), S(101), S(102), S(103) };
static struct farther farther[4] = { S(110), S(111), S(112), S(113) };
static struct farthest farthest[3] = { S(120), S(121), S(122) };

/* Addends: into the middle of arrays, past their end, and to odd byte offsets. */
static long *middles[6] = { &target[128], &target[255], &target[256], &target[0] + 77, 0, &target[3] };
static char *byte_pointers[5] = { &bytes[1], &bytes[150], &bytes[299], &bytes[300], bytes + 7 };
static char *const constant_pointers[3] = { &bytes[11], &bytes[13], &bytes[17] };

int main(int argc, char **argv, char **envp)
{
	(void)argc, (void)argv, (void)envp;
	int dense_ok = 1, stride_ok = 1;
	for (int i = 0; i < 200; i++)
		dense_ok &= LOAD(dense[i]) == &target[i];
	for (int i = 0; i < 40; i++)
		stride_ok &= LOAD(stride2[i].p) == &target[i] && LOAD(stride2[i].gap[0]) == 0;
	for (int i = 0; i < 30; i++)
		stride_ok &= LOAD(stride3[i].p) == &target[i] && LOAD(stride3[i].gap[0]) == 0 && LOAD(stride3[i].gap[1]) == 0;
	for (int i = 0; i < 20; i++)
		stride_ok &= LOAD(stride5[i].p) == &target[i] && LOAD(stride5[i].gap[3]) == 0;
	check(dense_ok, "dense pointer run");
	check(stride_ok, "strided pointers");
	int far_ok = 1;
	for (int i = 0; i < 4; i++)
		far_ok &= LOAD(far[i].p) == &target[100 + i] && LOAD(farther[i].p) == &target[110 + i] && LOAD(far[i].gap[62]) == 0;
	for (int i = 0; i < 3; i++)
		far_ok &= LOAD(farthest[i].p) == &target[120 + i] && LOAD(farthest[i].gap[199]) == 0;
	check(far_ok, "pointers separated by long gaps");
	check(LOAD(middles[0]) == target + 128 && LOAD(middles[1]) == target + 255 && LOAD(middles[2]) == target + 256 &&
		      LOAD(middles[3]) == target + 77 && LOAD(middles[4]) == 0 && LOAD(middles[5]) == target + 3,
	      "pointers into arrays");
	check(LOAD(byte_pointers[0]) == bytes + 1 && LOAD(byte_pointers[1]) == bytes + 150 && LOAD(byte_pointers[2]) == bytes + 299 &&
		      LOAD(byte_pointers[3]) == bytes + 300 && LOAD(byte_pointers[4]) == bytes + 7,
	      "byte pointers");
	check(LOAD(constant_pointers[0]) == bytes + 11 && LOAD(constant_pointers[2]) == bytes + 17, "read-only pointers");
	return check_finish();
}
