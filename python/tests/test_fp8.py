import numpy as np
import pytest

import sparq
from compiler import fold, tensor_type

EDGES = np.array([448.0, 464.0, 464.5, 480.0, -1e9, np.nan, -np.inf, np.inf,
                  2.0 ** -9, 2.0 ** -10, -0.0, 0.0, 1e-30, 57344.0, 61440.0,
                  0.3, -0.3, 3.14159, -100.0, 1e-3], dtype=np.float32)


def test_e4m3_edge_values():
    codes = sparq.fp8.encode(EDGES, "e4m3")
    # 448 is 0x7E; the tie at 464 rounds to it; NaN is 0x7F; -inf saturates.
    assert codes[0] == codes[1] == codes[2] == 0x7E
    assert codes[5] == 0x7F and codes[6] == 0xFE and codes[7] == 0x7E
    assert codes[8] == 0x01 and codes[10] == 0x80 and codes[12] == 0x00
    unsaturated = sparq.fp8.encode(EDGES, "e4m3", saturation="none")
    assert unsaturated[2] == 0x7F and unsaturated[4] == 0xFF


def test_e5m2_overflow_at_the_tie():
    codes = sparq.fp8.encode(np.float32([57344.0, 61439.0, 61440.0]), "e5m2",
                             saturation="none")
    assert list(codes) == [0x7B, 0x7B, 0x7C]


def test_round_trip_of_every_code():
    for fmt in sparq.fp8.FORMATS:
        codes = np.arange(256, dtype=np.uint8)
        values = sparq.fp8.decode(codes, fmt)
        finite = ~np.isnan(values)
        again = sparq.fp8.encode(values[finite], fmt, saturation="none")
        assert np.array_equal(again, codes[finite])


def test_f16_and_bf16_inputs_widen_exactly():
    x = np.float32([0.3, -5.5, 448.0, 1e-3])
    from_f16 = sparq.fp8.encode(x.astype(np.float16), "e4m3")
    assert np.array_equal(from_f16, sparq.fp8.encode(x.astype(np.float16).astype(np.float32)))
    bf16 = (x.view(np.uint32) >> 16).astype(np.uint16)  # truncated: exact
    from_bf16 = sparq.fp8.encode(bf16, "e4m3", kind="bf16")
    widened = (bf16.astype(np.uint32) << 16).view(np.float32)
    assert np.array_equal(from_bf16, sparq.fp8.encode(widened))


def test_stochastic_rounding_is_a_function_of_the_seed():
    x = np.full(4096, 0.3, np.float32)
    a = sparq.fp8.encode(x, rounding="stochastic", seed=7)
    b = sparq.fp8.encode(x, rounding="stochastic", seed=7)
    c = sparq.fp8.encode(x, rounding="stochastic", seed=8)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    # 0.3 lies 60% of the way from 0.28125 to 0.3125: unbiased on average.
    mean = sparq.fp8.decode(a).astype(np.float64).mean()
    assert abs(mean - 0.3) < 0.002


def test_per_axis_scales():
    x = np.float32([[1, 2, 3, 4], [0.5, -1, 0.25, 8]])
    codes = sparq.fp8.encode(x, scale=[1.0, 100.0], axis=0)
    assert list(sparq.fp8.decode(codes[1])) == [48.0, -96.0, 24.0, 448.0]


def test_scale_recipe():
    assert sparq.fp8.scale_for(2.0, "e4m3", 1) == 112.0
    assert sparq.fp8.scale_for(0.0) == 1.0 and sparq.fp8.scale_for(np.nan) == 1.0
    assert sparq.fp8.amax(np.float32([1, -3, 2])) == 3.0


@pytest.mark.parametrize("fmt,element", [("e4m3", "f8E4M3FN"), ("e5m2", "f8E5M2")])
@pytest.mark.parametrize("saturation", ["satfinite", "none"])
def test_bit_identical_to_the_compiler(fmt, element, saturation):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.standard_t(2, 4000).astype(np.float32) * 100, EDGES])
    scale = np.float32(1.7)
    folded = fold(f"%r = sparq.quantize %x, %s saturation <{saturation}> : "
                  f"{tensor_type(x.shape, 'f32')}, tensor<f32> -> "
                  f"{tensor_type(x.shape, element)}",
                  tensor_type(x.shape, element), x.shape, element,
                  x=(x, "f32"), s=(np.float32([scale]).reshape(()), "f32"))
    assert np.array_equal(folded, sparq.fp8.encode(x, fmt, scale=scale,
                                                   saturation=saturation))


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        sparq.fp8.encode(np.float32([1.0]), "e3m4")
    with pytest.raises(TypeError):
        sparq.fp8.encode(np.float64([1.0]))
    with pytest.raises(ValueError):
        sparq.fp8.encode(np.float32([[1, 2]]), scale=[1, 2, 3], axis=1)
