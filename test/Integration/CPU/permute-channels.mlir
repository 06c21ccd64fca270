// Channel permutation changes no result: the bundled MLP, permuted, computes
// the f32 outputs up to the rounding of a different summation order; pruned
// after permutation it is closer to f32 than pruned without.
// RUN: cat %sparq_src_root/examples/mlp/mlp.mlir %sparq_src_root/examples/mlp/driver.mlir > %t.mlir
// RUN: sparq-opt %t.mlir --sparq-cpu-pipeline | %sparq-run > %t.f32
// RUN: sparq-opt %t.mlir --sparq-permute-channels --sparq-cpu-pipeline | %sparq-run > %t.permuted
// RUN: sparq-opt %t.mlir --sparq-prune --sparq-cpu-pipeline | %sparq-run > %t.pruned
// RUN: sparq-opt %t.mlir --sparq-permute-channels --sparq-prune --sparq-cpu-pipeline | %sparq-run > %t.permuted-pruned
// RUN: sparq-opt %t.mlir --sparq-permute-channels="method=greedy" --sparq-prune --sparq-cpu-pipeline | %sparq-run > %t.greedy-pruned
// RUN: %python %S/Inputs/compare_outputs.py %t.f32 %t.permuted %t.pruned %t.permuted-pruned %t.greedy-pruned | FileCheck %s

// CHECK: permuted vs f32: largest difference {{.*}} of the output scale: same values
// CHECK: 2:4 error against f32: plain {{[0-9.]+}}, annealed permutation {{[0-9.]+}}: permutation helps
// CHECK: 2:4 error against f32: plain {{[0-9.]+}}, greedy permutation {{[0-9.]+}}: permutation helps
