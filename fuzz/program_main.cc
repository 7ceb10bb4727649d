// labyrinth-program: readable programs <-> fuzz inputs.
//
//   labyrinth-program encode --harness irq scenario.txt -o scenario.bin
//   labyrinth-program decode --harness irq crash-1234          (prints the program)
//   labyrinth-program dict --harness irq > fuzz/fuzz_irq.dict
//   labyrinth-program harnesses
//
// encode reports parse errors with their line ("scenario.txt:7: ...") and
// exits 1; decode never fails on content (every byte string is a program).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz/decoder.h"
#include "fuzz/dictionary.h"
#include "fuzz/encoder.h"
#include "fuzz/harness.h"
#include "fuzz/parser.h"
#include "fuzz/printer.h"

namespace {

using namespace labyrinth::fuzz;

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

const harness* harness_or_complain(const std::string& name) {
  const harness* h = find_harness(name);
  if (!h) {
    std::string known;
    for (const harness& each : harnesses()) known += std::string(known.empty() ? "" : ", ") + each.name;
    std::fprintf(stderr, "labyrinth-program: unknown harness '%s' (known: %s)\n", name.c_str(), known.c_str());
  }
  return h;
}

int encode_command(const std::string& name, const std::string& input, const std::string& output) {
  const harness* h = harness_or_complain(name);
  if (!h) return 2;
  std::string text;
  if (!read_file(input, text)) {
    std::fprintf(stderr, "labyrinth-program: cannot read %s\n", input.c_str());
    return 2;
  }
  parse_result parsed = parse_program(text, h->program_layout);
  if (!parsed.ok()) {
    std::fprintf(stderr, "%s:%s\n", input.c_str(), parsed.error.c_str() + 4);
    return 1;
  }
  encode_result encoded = encode(parsed.value, h->program_layout);
  if (!encoded.ok()) {
    std::fprintf(stderr, "%s: %s\n", input.c_str(), encoded.error.c_str());
    return 1;
  }
  if (output.empty() || output == "-") {
    std::fwrite(encoded.bytes.data(), 1, encoded.bytes.size(), stdout);
    return 0;
  }
  std::string temporary = output + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(encoded.bytes.data()), static_cast<std::streamsize>(encoded.bytes.size()));
    if (!out) {
      std::fprintf(stderr, "labyrinth-program: cannot write %s\n", temporary.c_str());
      return 2;
    }
  }
  if (std::rename(temporary.c_str(), output.c_str()) != 0) {
    std::fprintf(stderr, "labyrinth-program: cannot rename %s to %s\n", temporary.c_str(), output.c_str());
    return 2;
  }
  return 0;
}

int decode_command(const std::string& name, const std::string& input) {
  const harness* h = harness_or_complain(name);
  if (!h) return 2;
  std::string bytes;
  if (!read_file(input, bytes)) {
    std::fprintf(stderr, "labyrinth-program: cannot read %s\n", input.c_str());
    return 2;
  }
  program p = decode({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, h->program_layout);
  std::printf("# %s input %s (%zu bytes)\n%s", h->name, input.c_str(), bytes.size(),
              print_program(p, h->program_layout).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"labyrinth-program: readable fuzz programs <-> fuzz inputs"};
  app.require_subcommand(1);
  std::string harness_name, input, output;
  CLI::App* encode_app = app.add_subcommand("encode", "parse a readable program and write its input bytes");
  encode_app->add_option("--harness", harness_name, "ops, irq, faults or client")->required();
  encode_app->add_option("text", input, "the readable program")->required();
  encode_app->add_option("-o,--output", output, "where the bytes go (default: stdout)");
  CLI::App* decode_app = app.add_subcommand("decode", "print the program an input decodes to");
  decode_app->add_option("--harness", harness_name, "ops, irq, faults or client")->required();
  decode_app->add_option("input", input, "the input bytes")->required();
  CLI::App* dict_app = app.add_subcommand("dict", "print the harness's libFuzzer dictionary");
  dict_app->add_option("--harness", harness_name, "ops, irq, faults or client")->required();
  CLI::App* list_app = app.add_subcommand("harnesses", "list the harnesses");
  CLI11_PARSE(app, argc, argv);
  if (encode_app->parsed()) return encode_command(harness_name, input, output);
  if (decode_app->parsed()) return decode_command(harness_name, input);
  if (dict_app->parsed()) {
    const harness* h = harness_or_complain(harness_name);
    if (!h) return 2;
    std::fputs(dictionary(*h).c_str(), stdout);
    return 0;
  }
  if (list_app->parsed())
    for (const harness& h : harnesses()) std::printf("%-8s %s\n", h.name, h.description);
  return 0;
}
