// The Node binding of the native engine. Every argument is checked here before the engine sees
// it: a wrong type or an inconsistent length is a JavaScript TypeError, never a crash.
#include <napi.h>

#include <cstring>

#include "engine.h"

namespace {

uint64_t BigIntOption(const Napi::Object &options, const char *name) {
  Napi::Value value = options.Get(name);
  if (!value.IsBigInt()) throw Napi::TypeError::New(options.Env(), std::string(name) + " must be a bigint");
  bool lossless = true;
  uint64_t result = value.As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::TypeError::New(options.Env(), std::string(name) + " must fit 64 bits");
  return result;
}

template <typename Array>
Array TypedArgument(const Napi::CallbackInfo &info, size_t position, napi_typedarray_type type, const char *name) {
  if (!info[position].IsTypedArray() || info[position].As<Napi::TypedArray>().TypedArrayType() != type) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " has the wrong type");
  }
  return info[position].As<Array>();
}

template <typename Element, typename Array>
Napi::Value CopyOut(Napi::Env env, const Element *data, size_t count) {
  Array array = Array::New(env, count);
  if (count > 0) std::memcpy(array.Data(), data, count * sizeof(Element));
  return array;
}

Napi::Value LogObject(Napi::Env env, const pk_log &log, bool withTargets) {
  Napi::Object object = Napi::Object::New(env);
  if (withTargets) object.Set("targets", CopyOut<uint32_t, Napi::Uint32Array>(env, log.targets, log.count));
  object.Set("sources", CopyOut<uint8_t, Napi::Uint8Array>(env, log.sources, log.count));
  object.Set("entries", CopyOut<uint32_t, Napi::Uint32Array>(env, log.entries, log.count));
  return object;
}

// relocate(file, image, segments, options): see loader/native-surface.ts.
Napi::Value Relocate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[3].IsObject()) throw Napi::TypeError::New(env, "relocate(file, image, segments, options)");
  auto file = TypedArgument<Napi::Uint8Array>(info, 0, napi_uint8_array, "file");
  auto image = TypedArgument<Napi::Uint8Array>(info, 1, napi_uint8_array, "image");
  auto segmentWords = TypedArgument<Napi::BigUint64Array>(info, 2, napi_biguint64_array, "segments");
  Napi::Object options = info[3].As<Napi::Object>();
  constexpr size_t kWordsPerSegment = 6;
  if (segmentWords.ElementLength() % kWordsPerSegment != 0) throw Napi::TypeError::New(env, "segments: 6 words per segment");

  std::vector<pk_segment> segments(segmentWords.ElementLength() / kWordsPerSegment);
  for (size_t i = 0; i < segments.size(); i++) {
    const uint64_t *words = segmentWords.Data() + i * kWordsPerSegment;
    segments[i] = {words[0], words[1], words[2], words[3], words[4] != 0, static_cast<int64_t>(words[5])};
  }
  pk_log writes{}, skipped{};
  bool log = options.Get("log").ToBoolean().Value();
  pk_request request{};
  request.file = file.Data();
  request.file_size = file.ElementLength();
  request.image = image.Data();
  request.image_size = image.ElementLength();
  request.start = BigIntOption(options, "start");
  request.segments = segments.data();
  request.segment_count = segments.size();
  request.word_size = options.Get("wordSize").ToNumber().Int32Value();
  request.big_endian = options.Get("bigEndian").ToBoolean().Value() ? 1 : 0;
  request.base = BigIntOption(options, "base");
  request.dynamic = BigIntOption(options, "dynamic");
  request.relative_mask = BigIntOption(options, "relativeMask");
  request.relative_info = BigIntOption(options, "relativeInfo");
  request.local_got = options.Get("localGot").ToBoolean().Value() ? 1 : 0;
  request.rela_adds_to_word = options.Get("relaAddsToWord").ToBoolean().Value() ? 1 : 0;
  request.writes = log ? &writes : nullptr;
  request.skipped = log ? &skipped : nullptr;

  pk_result result = pk_engine_relocate(&request);
  Napi::Object out = Napi::Object::New(env);
  out.Set("status", Napi::Number::New(env, result.status));
  out.Set("source", Napi::Number::New(env, result.source));
  out.Set("index", Napi::BigInt::New(env, result.index));
  out.Set("address", Napi::BigInt::New(env, result.address));
  if (log) {
    out.Set("writes", LogObject(env, writes, true));
    out.Set("skipped", LogObject(env, skipped, false));
  }
  pk_log_free(&writes);
  pk_log_free(&skipped);
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("relocate", Napi::Function::New(env, Relocate, "relocate"));
  return exports;
}

}  // namespace

NODE_API_MODULE(piekit_native, Init)
