// Convolutions in every layout frontends emit (TOSA's nhwc_fhwc, torch-mlir's
// nchw_fchw and grouped ngchw_gfchw, nhwc_hwcf, nhwgc_gfhwc, a 1x1 one, a
// depthwise one) and a product whose weight arrives through linalg.transpose,
// run on the CPU after each pass and compared with numpy in
// Inputs/frontend_layouts.py:
//  - f32 and --sparq-permute-channels: the reference values (1e-5 of the output
//    scale; printMemref prints six digits);
//  - --sparq-prune: the reference computed with the filter pruned 2:4 along K
//    as docs/Quantization.md lays K out for each layout (1e-5), which would
//    fail for any other order of K;
//  - --sparq-quantize{convolutions=1}: within the FP8 bound of
//    docs/Semantics.md, (2u + u^2) || |X| * |W| ||_F with u = 2^-4;
//  - all three passes together: the relative error is printed.
// RUN: %python %S/Inputs/frontend_layouts.py emit > %t.mlir
// RUN: sparq-opt %t.mlir --sparq-cpu-pipeline | %sparq-run > %t.f32
// RUN: sparq-opt %t.mlir --sparq-permute-channels --sparq-cpu-pipeline | %sparq-run > %t.permuted
// RUN: sparq-opt %t.mlir --sparq-prune --sparq-cpu-pipeline | %sparq-run > %t.pruned
// RUN: sparq-opt %t.mlir --sparq-quantize="convolutions=1" --sparq-cpu-pipeline | %sparq-run > %t.quantized
// RUN: sparq-opt %t.mlir --sparq-permute-channels --sparq-prune --sparq-quantize="convolutions=1" --sparq-cpu-pipeline | %sparq-run > %t.all
// RUN: sparq-opt %t.mlir --sparq-permute-channels=report=1 -o /dev/null 2>&1 | FileCheck %s --check-prefix=PERMUTED
// RUN: %python %S/Inputs/frontend_layouts.py check %t.f32 %t.permuted %t.pruned %t.quantized %t.all | FileCheck %s
// The passes did rewrite every case but the depthwise one (so that the
// comparisons above test the rewrites, not the untouched ops).
// RUN: sparq-opt %t.mlir --sparq-permute-channels --sparq-prune --sparq-quantize="convolutions=1" | FileCheck %s --check-prefix=IR --implicit-check-not=linalg.conv_2d --implicit-check-not=linalg.matmul

// CHECK: nhwc_hwcf: {{.*}}: ok
// CHECK: nhwc_fhwc: {{.*}}: ok
// CHECK: pointwise: {{.*}}: ok
// CHECK: nchw_fchw: {{.*}}: ok
// CHECK: ngchw_gfchw: {{.*}}: ok
// CHECK: nhwgc_gfhwc: {{.*}}: ok
// CHECK: depthwise: {{.*}} pruned (left dense) {{.*}}: ok
// CHECK: products: {{.*}}: ok

// The permutation was found and applied (not the identity), except for the
// grouped and depthwise convolutions.
// PERMUTED: sparq-permute-channels: 5 permuted (5 by a gather), 3 left unchanged

// IR-COUNT-6: sparq.matmul {{.*}}f8E4M3FN, #sparq.nm<2:4
// IR: linalg.depthwise_conv_2d_nhwc_hwc
// IR: sparq.matmul {{.*}}f8E4M3FN, #sparq.nm<2:4
