# Sample executables: samples/out/<arch>/<sample>-<format>, where format is the table the ABI
# prescribes (`rel` or `rela`) or `relr` (relative relocations packed). Every compiler and flag comes from loader/toolchains.ts through `piekit build`.
#   make samples [ARCH=x86_64]     the host's (or one architecture's) samples
#   make samples-all               every architecture whose toolchain is installed here
# Both are incremental and safe under make -j.

PIEKIT := node dist/loader/cli/main.js
HOST_ARCH := $(shell node -p "({x64:'x86_64',arm64:'aarch64',ia32:'x86'})[process.arch] ?? process.arch")
ARCH ?= $(HOST_ARCH)
SAMPLES := hello tables
STUB := $(wildcard startup/*.c startup/*.h startup/arch/*/*.h) dist/loader/toolchains.js
# Architectures whose ABI uses REL rather than RELA, and those whose linker cannot pack RELR here
# (GNU ld outside x86).
REL_ARCHES := x86 arm thumb armeb thumbeb mips mipsel mips64 mips64el
NO_RELR := m68k sparc64 sparc arc
ALL_ARCHES := $(shell node -e "import('./dist/loader/toolchains.js').then(m => console.log(m.toolchains.map(t => t.arch).join(' ')))")

formats = $(if $(filter $(1),$(REL_ARCHES)),rel,rela) $(if $(filter $(1),$(NO_RELR)),,relr)
outputs = $(foreach s,$(SAMPLES),$(foreach f,$(call formats,$(1)),samples/out/$(1)/$(s)-$(f)))

.PHONY: samples samples-all clean
samples: $(call outputs,$(ARCH))
samples-all: $(foreach a,$(ALL_ARCHES),$(call outputs,$(a)))

dist/loader/toolchains.js dist/loader/cli/main.js: $(wildcard loader/*.ts loader/cli/*.ts elf/*.ts)
	npm run --silent build

arch_of = $(patsubst %/,%,$(dir $(1)))
.SECONDEXPANSION:
samples/out/%-rel samples/out/%-rela: samples/$$(notdir $$*).c samples/check.h $(STUB) dist/loader/cli/main.js
	$(PIEKIT) build $< --dump --arch $(call arch_of,$*) -o $@ >/dev/null

samples/out/%-relr: samples/$$(notdir $$*).c samples/check.h $(STUB) dist/loader/cli/main.js
	$(PIEKIT) build $< --dump --relr --arch $(call arch_of,$*) -o $@ >/dev/null

clean:
	rm -rf samples/out
