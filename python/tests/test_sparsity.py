import numpy as np
import pytest

import sparq
from compiler import fold, tensor_type

W = np.float32([[1.0, -3.0, 2.0, 0.5, 0.0, 0.0, 0.0, 7.0],
                [5.0, 5.0, 5.0, 5.0, 1.0, np.nan, -2.0, 0.0]])


def test_mask_rule():
    # Ties to the lowest index, NaN kept as the largest, a group with one
    # non-zero keeps its lowest-index zero.
    assert sparq.sparsity.mask(W).astype(int).tolist() == [
        [0, 1, 1, 0, 1, 0, 0, 1], [1, 1, 0, 0, 0, 1, 1, 0]]


def test_compressed_storage_is_the_mma_sp_layout():
    values, metadata = sparq.sparsity.compress(W)
    assert values.shape == (2, 4) and metadata.shape == (2, 1)
    # Row 0 keeps {1,2} and {0,3}: 0b1100_1001; row 1 {0,1} and {1,2}.
    assert metadata.ravel().tolist() == [201, 148]
    restored = sparq.sparsity.decompress(values, metadata)
    assert np.array_equal(restored, sparq.sparsity.prune(W), equal_nan=True)


@pytest.mark.parametrize("n,m,axis", [(2, 4, -1), (2, 4, 0), (1, 2, 1), (4, 8, 0), (1, 4, -1)])
def test_round_trip_on_random_data(n, m, axis):
    x = np.random.default_rng(n * 10 + m).standard_normal((16, 32)).astype(np.float32)
    values, metadata = sparq.sparsity.compress(x, n, m, axis)
    assert np.array_equal(sparq.sparsity.decompress(values, metadata, n, m, axis),
                          sparq.sparsity.prune(x, n, m, axis))
    kept = sparq.sparsity.mask(x, n, m, axis).sum(axis=axis)
    assert np.all(kept == x.shape[axis] // m * n)


def test_transposable_is_two_four_both_ways():
    x = np.random.default_rng(5).standard_normal((8, 12)).astype(np.float32)
    mask = sparq.sparsity.mask(x, rule="transposable")
    assert np.all(mask.reshape(8, 3, 4).sum(-1) == 2)
    assert np.all(mask.T.reshape(12, 2, 4).sum(-1) == 2)
    with pytest.raises(ValueError):
        sparq.sparsity.mask(x, 1, 2, rule="transposable")


def test_fp8_codes_prune_by_magnitude():
    codes = sparq.fp8.encode(np.float32([[0.5, -4.0, 1.0, 2.0]]))
    assert sparq.sparsity.mask(codes, kind="e4m3").tolist() == [[False, True, False, True]]


def test_bit_identical_to_the_compiler():
    x = np.random.default_rng(9).standard_t(3, (32, 64)).astype(np.float32)
    x[3, 5] = np.nan
    ttype = tensor_type(x.shape, "f32")
    pruned = fold(f"%r = sparq.prune %x <2:4, dim = 0> : {ttype}",
                  ttype, x.shape, "f32", x=(x, "f32"))
    assert np.array_equal(pruned.view(np.uint32),
                          sparq.sparsity.prune(x, axis=0).view(np.uint32))
    enc = "tensor<32x64xf32, #sparq.nm<2:4, dim = 0>>"
    metadata = fold(f"%e = sparq.compress %p : {ttype} -> {enc}\n"
                    f"  %r = sparq.metadata %e : {enc} -> tensor<2x64xi16>",
                    "tensor<2x64xi16>", (2, 64), "i16",
                    p=(sparq.sparsity.prune(x, axis=0), "f32"))
    assert np.array_equal(metadata, sparq.sparsity.compress(x, axis=0)[1])


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        sparq.sparsity.prune(np.zeros((2, 6), np.float32))
    with pytest.raises(ValueError):
        sparq.sparsity.prune(np.zeros((2, 8), np.float32), 4, 4)
    values, metadata = sparq.sparsity.compress(np.ones((1, 8), np.float32))
    with pytest.raises(ValueError, match="metadata"):
        sparq.sparsity.decompress(values, np.full_like(metadata, 0xFFFF))
