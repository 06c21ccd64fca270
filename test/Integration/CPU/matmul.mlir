// sparq.matmul on the CPU runtime, against the same products folded at
// compile time: FP8 with a 2:4 lhs, bf16 with a 2:4 rhs (the usual K x N
// weight), batched f16, scales, bias and an FP8 result.
// RUN: sparq-opt %s --sparq-cpu-pipeline | %sparq-run | %strip-addresses > %t.runtime
// RUN: sparq-opt %s --inline --canonicalize | FileCheck %s --check-prefix=FOLDED
// RUN: sparq-opt %s --inline --canonicalize --sparq-cpu-pipeline | %sparq-run | %strip-addresses > %t.folded
// RUN: diff %t.runtime %t.folded
// RUN: FileCheck %s < %t.runtime

// FOLDED-LABEL: func @main
// FOLDED-NOT: sparq.

#id = affine_map<(d0) -> (d0)>
func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI32(tensor<*xi32>)

func.func @print_bits(%t: tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %t, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xi32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%t : tensor<?xf32>) outs(%e : tensor<?xi32>) {
  ^bb0(%a: f32, %o: i32):
    %b = arith.bitcast %a : f32 to i32
    linalg.yield %b : i32
  } -> tensor<?xi32>
  %u = tensor.cast %r : tensor<?xi32> to tensor<*xi32>
  call @printMemrefI32(%u) : (tensor<*xi32>) -> ()
  return
}

func.func @print_f32(%t: tensor<?xf32>) {
  %u = tensor.cast %t : tensor<?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

func.func @kernel(%a8: tensor<2x8xf8E4M3FN>, %b8: tensor<8x2xf8E5M2>, %sa: tensor<2xf32>,
                  %sb: tensor<f32>, %bias: tensor<2xf32>, %so: tensor<f32>,
                  %abf: tensor<4x32xbf16>, %bbf: tensor<32x8xbf16>,
                  %x: tensor<2x3x16xf16>, %y: tensor<2x16x5xf16>) {
  // FP8: lhs pruned and compressed 2:4 along K at run time.
  %ap = sparq.prune %a8 <2:4> : tensor<2x8xf8E4M3FN>
  %ae = sparq.compress %ap : tensor<2x8xf8E4M3FN> -> tensor<2x8xf8E4M3FN, #sparq.nm<2:4>>
  %c = sparq.matmul %ae, %b8 lhs_scale %sa : tensor<2xf32> rhs_scale %sb : tensor<f32>
      bias %bias : tensor<2xf32>
      : tensor<2x8xf8E4M3FN, #sparq.nm<2:4>>, tensor<8x2xf8E5M2> -> tensor<2x2xf32>
  %cf = tensor.collapse_shape %c [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  %cd = tensor.cast %cf : tensor<4xf32> to tensor<?xf32>
  call @print_f32(%cd) : (tensor<?xf32>) -> ()

  // The same with an FP8 output scaled by out_scale, saturating.
  %q = sparq.matmul %ae, %b8 lhs_scale %sa : tensor<2xf32> rhs_scale %sb : tensor<f32>
      out_scale %so : tensor<f32> bias %bias : tensor<2xf32>
      : tensor<2x8xf8E4M3FN, #sparq.nm<2:4>>, tensor<8x2xf8E5M2> -> tensor<2x2xf8E4M3FN>
  %qs = arith.constant dense<1.0> : tensor<f32>
  %qd = sparq.dequantize %q, %qs : tensor<2x2xf8E4M3FN>, tensor<f32> -> tensor<2x2xf32>
  %qf = tensor.collapse_shape %qd [[0, 1]] : tensor<2x2xf32> into tensor<4xf32>
  %qdd = tensor.cast %qf : tensor<4xf32> to tensor<?xf32>
  call @print_f32(%qdd) : (tensor<?xf32>) -> ()

  // bf16, rhs 2:4 along K (dimension 0), bf16 result.
  %be = sparq.compress %bbf : tensor<32x8xbf16> -> tensor<32x8xbf16, #sparq.nm<2:4, dim = 0>>
  %r = sparq.matmul %abf, %be : tensor<4x32xbf16>, tensor<32x8xbf16, #sparq.nm<2:4, dim = 0>> -> tensor<4x8xf32>
  %rf = tensor.collapse_shape %r [[0, 1]] : tensor<4x8xf32> into tensor<32xf32>
  %rd = tensor.cast %rf : tensor<32xf32> to tensor<?xf32>
  call @print_bits(%rd) : (tensor<?xf32>) -> ()

  // Batched f16 with a dynamic M.
  %xd = tensor.cast %x : tensor<2x3x16xf16> to tensor<2x?x16xf16>
  %z = sparq.matmul %xd, %y : tensor<2x?x16xf16>, tensor<2x16x5xf16> -> tensor<2x?x5xf32>
  %zs = tensor.cast %z : tensor<2x?x5xf32> to tensor<2x3x5xf32>
  %zf = tensor.collapse_shape %zs [[0, 1, 2]] : tensor<2x3x5xf32> into tensor<30xf32>
  %zd = tensor.cast %zf : tensor<30xf32> to tensor<?xf32>
  call @print_bits(%zd) : (tensor<?xf32>) -> ()
  return
}

func.func @main() {
  %a8 = arith.constant dense<[[1.0, 2.0, -3.0, 0.5, 4.0, 0.0, 0.0, 8.0],
                              [0.25, 0.25, 0.25, 0.25, -1.0, 2.0, -1.5, 0.0]]> : tensor<2x8xf8E4M3FN>
  %b8 = arith.constant dense<[[1.0, 0.5], [1.0, 0.5], [1.0, 0.5], [1.0, 0.5],
                              [2.0, 1.0], [2.0, 1.0], [2.0, 1.0], [2.0, 0x7C]]> : tensor<8x2xf8E5M2>
  %sa = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %sb = arith.constant dense<4.0> : tensor<f32>
  %bias = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %so = arith.constant dense<100.0> : tensor<f32>
  %abf = arith.constant dense<"0xA13A993E8CBE64BFE9BE7EBF763DAC3FFCBE1FBFFB3EB73ED83D6EBFF0BC323FACBFEABEF3BFA5BFECBF71BEA2BF8B3E213E3FBE21C00ABF47BDE83DC4BFF5BE7BBF4FBF883F4FBF05BD623F15BFE5BDE23D833D9DBF9C3DAE3FC6BF5C3FF43D24BF0040433F9ABF993D143F41BE2F3F88BD2B3FB83F2DBF503EEDBE023E98BF14BF49BE663F933FA9BF4BBF263FFFBFEDBEC7BDA13F303FA8BEBDBE80BEC33FDBBE9BBEB53EF7BD4ABE8FBF3DBCE3BE953F273FC6BC2B3FAEBE873FB1BB153FA5BFB23ED8BF02C09CBE66BF283E104055BF20BF523EFC3E35BE53BE343F053F84BFA2BD113D87BF853E5CBF793F453EB73D17BFF3BD00C091BFBA3E08C0593F"> : tensor<4x32xbf16>
  %bbf = arith.constant dense<"0xE0BF423F58BF473F0000C5BFA03FB93F0000000000007ABF8D3F000000004BBF20BFA4BFA13F000000000000000000000000000000000000B0BF4FBFD43F000087BFAD3EB43FBABF000022BFE1BF000000000000000000000ABF000000009CBFAB3F02BF00000000E2BE00000000000000000000973F2E3F000010BFB1BF733F773F00000B3F0000000000000000C23FA0BF5D3F0000603FF13FBE3F93BFD8BF000082BF00000000D2BF07C000000000000000005CBFC2BF00000000D2BF000000000000000028BF80BF63BF483E0000000000000240B2BF000000000000BABFECBE3E3F000000000000943F00000DC031BFFCBF50C00000AB3F000096BF0000913F00000000000000004E3F0D3F0000000000002FBF8C3FA3BF00000000AABFDC3FBB3FEDBE463F000027C0803E000000008ABF00000000983F00000000C43F0EBFC7BEE9BFC93F00006B3F2B3F00000000000000000000C23F00000000000023BFCD3F023F000000008EBF0000603F000000000000E03DCCBF00005BBF623F45BF0000C33F00000000000000007EBF000001400000000086BF0000A0BF8EBFA43F00008A3FC33F00000E3FFA3F00000000ADBF0000BD3F763F71BF00000000000000000000983E0000000000000000013FEF3F183F0000D8BF0000F9BFB4BF5B3F00000000DBBFBEBE2EBF233F1040000048BF96BF0000000093BF00000000"> : tensor<32x8xbf16>
  %x = arith.constant dense<"0x733C403C573C96B71E383AB039B66DB533BDC7BD5B3A1FB2ED32023CEFBE46BA9C31463608B61E3CBC32DBBC72BB723A6C3799BF643DC938603D24B6BBB481BC13419DB15A3E2EB93E31AFBE20B6DF3B02BD4A3C65352DBC03B858B757AA4AB89EBAE0B41CBC28BD2BAA103B1EBE2F1B33B9D1BBD43A25B8FE3D3DBA2F3646B308BAB438F6B0D3380EAA58BC88AEA62AAB3B40BB09A9E3BE363953BC3ABF94AB6C3C19BE5ABCF2B985BC123675BAC6B9AB380BBAED36C5BBD9BC58BF723F20B5"> : tensor<2x3x16xf16>
  %y = arith.constant dense<"0xCE33F3A71E315C2AA23F28BC3BBE0CBC57BDFA39903AB1BB90BDADB5913DA4C137384EBC293C50BC91B406BED1BB8B3D913A6DB6F6BA93BF4CB6E9A761AD01AE7DBC3EACF3A82A3D783F62B021BA29ACDCB8F1B982AB2CBCD938A7AE0034DBB1D1B995BB98B364B87C338A9C73BD4C2C5FBDEFB8B6B427C0DB2DD5300FB1CAB6FAB5D0BB51B46CB8DE2DD1BC8A33953088B007B76B38A9BE5E37C733893422363BB927B41939E4369D320FBE4E38AE3C0A3C7C333BBE8A3BB6B011C10936F8BD30BD14B9173DEFB55634FE3E603E9DAEBBB30BBD8EB9CE3655360E2FF53B2EBA2EABDA39AC38493C5A36F3B4CC3503BC8FBEA5380FABEF34CABED8B5CDB8EABA83C05CB52E3B1936CFB89EA30E3A85C1F8AF58387539CE3E8A3C0035D5344C3A51B825A9403BD43F19B132AA5A325F3DC3A7E13DBCBBF4B157B24B3A2E3C0ABE"> : tensor<2x16x5xf16>
  call @kernel(%a8, %b8, %sa, %sb, %bias, %so, %abf, %bbf, %x, %y)
      : (tensor<2x8xf8E4M3FN>, tensor<8x2xf8E5M2>, tensor<2xf32>, tensor<f32>, tensor<2xf32>, tensor<f32>,
         tensor<4x32xbf16>, tensor<32x8xbf16>, tensor<2x3x16xf16>, tensor<2x16x5xf16>) -> ()
  return
}

// Row 0 keeps {1, 2} and {0, 3}: (2 - 3) * 1 + (4 + 8) * 2 = 23 in column 0,
// (2 - 3) * 0.5 + 4 * 1 + 8 * inf = inf in column 1; divided by 2 * 4, plus
// bias: 23 / 8 + 1 = 3.875 and inf. Row 1 keeps {0, 1} (a tie) and {5, 6}:
// 0.25 + 0.25 + (2 - 1.5) * 2 = 1.5 and 0.25 + 0.5 = 0.75, divided by
// 0.5 * 4: 0.75 + 1 = 1.75 and 0.375 - 1 = -0.625.
// CHECK: [3.875,  inf,  1.75,  -0.625]
// Times 100 into E4M3: 387.5 -> 384, inf saturates, 175 -> 176, -62.5 -> -64.
// CHECK: [384,  448,  176,  -64]
// The bf16 and f16 products, bit for bit equal to the folded ones (diff).
// CHECK: [{{(-?[0-9]+,  ){31}-?[0-9]+}}]
// CHECK: [{{(-?[0-9]+,  ){29}-?[0-9]+}}]
