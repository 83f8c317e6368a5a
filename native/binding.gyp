{
  "targets": [
    {
      "target_name": "tinybert_native",
      "sources": ["src/addon.cc", "src/pool.cc", "src/matmul.cc", "src/elementwise.cc", "src/reduce.cc", "src/layout.cc", "src/fused.cc", "src/optim.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-march=native", "-fno-math-errno", "-fno-trapping-math", "-pthread"],
      "libraries": ["-lopenblas", "-pthread"]
    }
  ]
}
