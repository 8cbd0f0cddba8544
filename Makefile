# Sample executables: samples/out/<arch>/<sample>-<format>, where format is the table the ABI
# prescribes (`rel` or `rela`) or `relr` (relative relocations packed).
#   make samples [ARCH=x86_64]     the host's (or one architecture's) samples
#   make samples-all               every architecture of the toolchain table
#   make loader [ARCH=x86_64]      the userland loader: build/loader/<arch>/piekit-loader
# Both are incremental and safe under make -j. Every compiler, flag and format comes from
# loader/toolchains.ts, through `piekit build` and the generated samples/out/toolchains.mk.

PIEKIT := node dist/loader/cli/main.js
HOST_ARCH := $(shell node -p "({x64:'x86_64',arm64:'aarch64',ia32:'x86'})[process.arch] ?? process.arch")
ARCH ?= $(HOST_ARCH)
SAMPLES := hello tables many
# A sample depends on the portable stub, its own architecture's header and the toolchain table,
# by source: tsc rewrites every file of dist/ on each build, which must not rebuild every sample.
STUB := $(wildcard startup/*.c startup/*.h) loader/toolchains.ts loader/build.ts
arch_header = $(wildcard startup/arch/$(STUB_$(1))/*.h startup/arch/*.h)

# Defines ALL_ARCHES and FORMATS_<arch>; make rebuilds it, then itself, when the table changes.
include samples/out/toolchains.mk

outputs = $(foreach s,$(SAMPLES),$(foreach f,$(FORMATS_$(1)),samples/out/$(1)/$(s)-$(f)))
arch_of = $(patsubst %/,%,$(dir $(1)))
# `many` is generated: more than 100,000 relocations in dense and sparse runs.
source_of = $(if $(filter many,$(1)),samples/out/many.c,samples/$(1).c)

.PHONY: samples samples-all loader clean
samples: $(call outputs,$(ARCH))
loader: build/loader/$(ARCH)/piekit-loader
samples-all: $(foreach a,$(ALL_ARCHES),$(call outputs,$(a)))

dist/loader/cli/main.js: $(wildcard loader/*.ts loader/cli/*.ts elf/*.ts samples/*.ts)
	npm run --silent build

samples/out/many.c: samples/generate-many.ts | dist/loader/cli/main.js
	@mkdir -p $(dir $@)
	node dist/samples/generate-many.js > $@

samples/out/toolchains.mk: loader/toolchains.ts | dist/loader/cli/main.js
	@mkdir -p $(dir $@)
	node -e "import('./dist/loader/toolchains.js').then(({ toolchains, sampleFormats }) => { \
	  console.log('ALL_ARCHES := ' + toolchains.map((t) => t.arch).join(' ')); \
	  for (const t of toolchains) console.log('FORMATS_' + t.arch + ' := ' + sampleFormats(t).join(' ')); \
	  for (const t of toolchains) console.log('STUB_' + t.arch + ' := ' + t.stub); })" > $@

.SECONDEXPANSION:
samples/out/%-rel samples/out/%-rela: $$(call source_of,$$(notdir $$*)) samples/check.h $(STUB) $$(call arch_header,$$(call arch_of,$$*)) | dist/loader/cli/main.js
	$(PIEKIT) build $< --dump --arch $(call arch_of,$*) -o $@ >/dev/null

samples/out/%-relr: $$(call source_of,$$(notdir $$*)) samples/check.h $(STUB) $$(call arch_header,$$(call arch_of,$$*)) | dist/loader/cli/main.js
	$(PIEKIT) build $< --dump --relr --arch $(call arch_of,$*) -o $@ >/dev/null

LOADER_SOURCES := $(wildcard native/loader/*.c native/loader/*.h)
build/loader/%/piekit-loader: $(LOADER_SOURCES) $(STUB) $$(call arch_header,$$*) | dist/loader/cli/main.js
	$(PIEKIT) build $(filter %.c,$(LOADER_SOURCES)) --cflag=-Inative/loader --arch $* -o $@ >/dev/null

clean:
	rm -rf samples/out build/loader
