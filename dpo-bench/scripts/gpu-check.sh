#!/usr/bin/env bash
# Checks the djl backend on a CUDA machine: the GPU-tagged test (CudaTest, skipped elsewhere), then
# generation (KV cache, recomputation, logit mixing), the raw forward+backward and the DPO step on
# the GPU, then the same on the CPU for comparison.
#
# DJL runs offline, so the CUDA build of libtorch must already be on the machine: Maven Central
# serves the CUDA JNI glue for PyTorch 2.7.1 (in pytorch-jni) but not the CUDA libtorch itself.
# Point PYTORCH_LIBRARY_PATH at a libtorch 2.7.1 built for CUDA 12.8, for example the lib folder
# of a pip install of torch==2.7.1+cu128 (.../site-packages/torch/lib).
#
# Usage: dpo-bench/scripts/gpu-check.sh [extra 'dpo bench lm' options]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU visible (nvidia-smi -L failed); run this on a CUDA machine" >&2
  exit 2
fi
nvidia-smi -L
if [ -z "${PYTORCH_LIBRARY_PATH:-}" ] || [ ! -f "$PYTORCH_LIBRARY_PATH/libtorch_cuda.so" ]; then
  echo "gpu-check: set PYTORCH_LIBRARY_PATH to a folder with libtorch_cuda.so (libtorch 2.7.1," \
    "CUDA 12.8), e.g. \$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib" >&2
  exit 2
fi
export PYTORCH_FLAVOR=cu128
export PYTORCH_VERSION=2.7.1

echo "== CudaTest: greedy generation on the GPU equals the CPU's; a DPO step on the GPU"
(cd "$ROOT" && mvn -B -q -pl dpo-backend-gpu -am test -Dtest=CudaTest \
  -Dsurefire.failIfNoSpecifiedTests=false)
grep -h "Tests run" "$ROOT"/dpo-backend-gpu/target/surefire-reports/*CudaTest.txt

for device in gpu cpu; do
  echo "== device $device: the bench's default model (tiny Llama: 2 layers, width 64, vocabulary 64)"
  "$ROOT/dpo" bench lm --device "$device" --seconds 2 "$@"
  echo "== device $device: a GPT-2-small-sized model (12 layers, width 768, vocabulary 50257)"
  "$ROOT/dpo" bench lm --device "$device" --seconds 2 --arch gpt2 --layers 12 --width 768 --heads 12 \
    --vocab 50257 --batch 8 --new-tokens 64 "$@"
  echo "== device $device: a SmolLM-135M-sized Llama (30 layers, width 576, 9 heads, 3 key-value heads)"
  "$ROOT/dpo" bench lm --device "$device" --seconds 2 --arch llama --preset smollm-135m \
    --batch 8 --new-tokens 64 "$@"
done
