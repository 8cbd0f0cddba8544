//! A Zig program whose startup must relocate pointers before anything reads them: a table of 4,096
//! pointers into an array (the benchmark's C program has the same) and a string table, printed
//! through std's writer. `program A B` prints "alpha 3 12": the name at argc % 3, argc, and the
//! distance in bytes from the array to where pointer argc points.
const std = @import("std");

var array: [4100]u32 = undefined;

const pointers = init: {
    @setEvalBranchQuota(10_000);
    var all: [4096]*u32 = undefined;
    for (&all, 0..) |*pointer, index| pointer.* = &array[index];
    break :init all;
};

const names = [_][]const u8{ "alpha", "beta", "gamma" };

pub fn main() !void {
    const argc = std.os.argv.len;
    const stdout = std.io.getStdOut().writer();
    try stdout.print("{s} {d} {d}\n", .{ names[argc % 3], argc, @intFromPtr(pointers[argc]) - @intFromPtr(&array) });
}
