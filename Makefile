# Sample executables: samples/out/<arch>/<sample>-<format>, where format is the table the ABI
# prescribes (`rel` or `rela`) or `relr` (relative relocations packed).
#   make samples [ARCH=x86_64]     the host's (or one architecture's) samples
#   make samples-all               every architecture with a toolchain
#   make loader [ARCH=x86_64]      the userland loader: build/loader/<arch>/piekit-loader
#   make host-arch                 prints the host's architecture name
# Both are incremental and safe under make -j. Every compiler, flag and format comes from the
# architecture records (elf/architectures.ts), through `piekit build` and build/architectures.mk.

PIEKIT := node dist/cli/main.js
SAMPLES := hello tables many
# A sample depends on the portable stub, its own architecture's header and the records, by
# source: tsc rewrites every file of dist/ on each build, which must not rebuild every sample.
STUB := $(wildcard startup/*.c startup/*.h) elf/architectures.ts $(wildcard loader/toolchain/*.ts)
arch_header = $(wildcard startup/arch/$(STUB_$(1))/*.h startup/arch/*.h)

# Defines HOST_ARCH, ALL_ARCHES, FORMATS_<arch> and STUB_<arch>; make rebuilds it, then itself,
# when the records change.
include build/architectures.mk
ARCH ?= $(HOST_ARCH)

outputs = $(foreach s,$(SAMPLES),$(foreach f,$(FORMATS_$(1)),samples/out/$(1)/$(s)-$(f)))
arch_of = $(patsubst %/,%,$(dir $(1)))
# `many` is generated: more than 100,000 relocations in dense and sparse runs.
source_of = $(if $(filter many,$(1)),samples/out/many.c,samples/$(1).c)

.PHONY: samples samples-all loader host-arch clean
samples: $(call outputs,$(ARCH))
samples-all: $(foreach a,$(ALL_ARCHES),$(call outputs,$(a)))
host-arch:
	@echo $(HOST_ARCH)
# The loader decides itself whether its sources changed (loader/userland/loader-binary.ts).
loader: | dist/cli/main.js
	node -e "import('./dist/loader/userland/index.js').then((m) => m.loaderFor('$(ARCH)')).then(console.log)"

dist/cli/main.js: $(wildcard loader/*.ts loader/*/*.ts elf/*.ts)
	npm run --silent build

build/ts/samples/generate-many.js: samples/generate-many.ts
	npx tsc -p test

# Compiling the tests rewrites the generator's .js; many.c is replaced only when its bytes change,
# so that every architecture's many samples are not rebuilt for nothing.
samples/out/many.c: build/ts/samples/generate-many.js
	@mkdir -p $(dir $@)
	node build/ts/samples/generate-many.js > $@.new
	cmp -s $@.new $@ && rm $@.new || mv $@.new $@

build/architectures.mk: elf/architectures.ts | dist/cli/main.js
	@mkdir -p $(dir $@)
	node -e "import('./dist/elf/index.js').then(({ architectures, hostArch, sampleFormats }) => { \
	  const built = architectures.filter((a) => a.toolchain !== undefined); \
	  console.log('HOST_ARCH := ' + (hostArch()?.name ?? 'unknown')); \
	  console.log('ALL_ARCHES := ' + built.map((a) => a.name).join(' ')); \
	  for (const a of built) console.log('FORMATS_' + a.name + ' := ' + sampleFormats(a).join(' ')); \
	  for (const a of built) console.log('STUB_' + a.name + ' := ' + a.stub); })" > $@

.SECONDEXPANSION:
samples/out/%-rel samples/out/%-rela: $$(call source_of,$$(notdir $$*)) samples/check.h $(STUB) $$(call arch_header,$$(call arch_of,$$*)) | dist/cli/main.js
	$(PIEKIT) build $< --dump --arch $(call arch_of,$*) -o $@ >/dev/null

samples/out/%-relr: $$(call source_of,$$(notdir $$*)) samples/check.h $(STUB) $$(call arch_header,$$(call arch_of,$$*)) | dist/cli/main.js
	$(PIEKIT) build $< --dump --relr --arch $(call arch_of,$*) -o $@ >/dev/null

clean:
	rm -rf samples/out build/loader build/architectures.mk
