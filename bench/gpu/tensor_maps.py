"""TMA tensor maps for the sm_90a (wgmma) kernels, as run.py builds them:
the same encoding as libsparq_cuda_runtime's sparqTensorMapCreate (3-D,
dims innermost first, UINT8 / UINT16 elements -- FP8 travels as bytes --, no
interleave, the kernel's swizzle, 256-byte L2 promotion, zero fill out of
bounds), through ctypes, with the same argument rules checked first so that
a bad shape names its rule instead of CUDA_ERROR_INVALID_VALUE.

A map describes a 2-D operand [rows][inner] of one batch; a row whose bytes
are not a multiple of 16 (TMA's stride rule) is padded: `tma_operand`
copies it into a zero-padded buffer and describes the unpadded view.
"""
import ctypes

# cuda.h enums (CUtensorMapDataType, ...Swizzle, ...L2promotion, ...OOBfill).
DATA_TYPE = {1: 0, 2: 1}  # CU_TENSOR_MAP_DATA_TYPE_UINT8, _UINT16
SWIZZLE = {0: 0, 32: 1, 64: 2, 128: 3}  # CU_TENSOR_MAP_SWIZZLE_NONE.._128B
INTERLEAVE_NONE = 0
L2_PROMOTION_256B = 3  # CU_TENSOR_MAP_L2_PROMOTION_L2_256B
# CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE fills zeros (NAN_REQUEST_ZERO_FMA: NaN).
OOB_FILL_ZERO = 0
TENSOR_MAP_BYTES = 128  # sizeof(CUtensorMap)
TENSOR_MAP_ALIGN = 64  # the address cuTensorMapEncodeTiled and TMA want


class TensorMapError(ValueError):
    pass


def check_rules(address, element_bytes, dims, strides, box, swizzle):
    """cuTensorMapEncodeTiled's rules (and sparq's dense-layout ones), as
    sparqTensorMapCreate checks them; raises TensorMapError naming the rule."""
    def fail(rule, what, value):
        raise TensorMapError("%s (%s = %d)" % (rule, what, value))
    if element_bytes not in DATA_TYPE:
        fail("element size must be 1 or 2 bytes", "elementBytes", element_bytes)
    if swizzle not in SWIZZLE:
        fail("swizzle must be 0, 32, 64 or 128 bytes", "swizzleBytes", swizzle)
    if address == 0 or address % 16:
        fail("global address must be non-null and 16-byte aligned", "base", address)
    for i, d in enumerate(dims):
        if not 1 <= d <= 2 ** 32:
            fail("each dimension must be in [1, 2^32] elements", "dim%d" % i, d)
    for i, s in enumerate(strides):
        if s < 16 or s % 16:
            fail("byte strides must be positive multiples of 16", "strideBytes%d" % (i + 1), s)
        if s >= 2 ** 40:
            fail("byte strides must be below 2^40", "strideBytes%d" % (i + 1), s)
    if strides[0] < dims[0] * element_bytes:
        fail("rows must not overlap (strideBytes1 >= dim0 * elementBytes)",
             "strideBytes1", strides[0])
    if dims[2] > 1 and strides[1] < strides[0] * dims[1]:
        fail("batches must not overlap (strideBytes2 >= strideBytes1 * dim1)",
             "strideBytes2", strides[1])
    for i, b in enumerate(box):
        if not 1 <= b <= 256:
            fail("box dimensions must be in [1, 256]", "box%d" % i, b)
    inner = box[0] * element_bytes
    if inner % 16:
        fail("the box's inner dimension must be a multiple of 16 bytes",
             "box0 * elementBytes", inner)
    if swizzle and inner > swizzle:
        fail("a swizzled box's inner dimension must fit the swizzle span",
             "box0 * elementBytes", inner)


class MapSpec:
    """Everything cuTensorMapEncodeTiled gets for one operand."""

    def __init__(self, operand, address, element_bytes, rows, inner, row_bytes,
                 box, swizzle, batch=1):
        self.operand, self.address, self.element_bytes = operand, address, element_bytes
        self.dims = [inner, rows, batch]
        # A batch of one never steps along dim 2: the dense stride describes it.
        self.strides = [row_bytes, row_bytes * rows]
        if len(box) == 3 and box[2] != 1:
            raise TensorMapError("%s: the box's batch dimension must be 1, not %d"
                                 % (operand, box[2]))
        self.box = [box[0], box[1]]
        self.swizzle = swizzle
        check_rules(address, element_bytes, self.dims, self.strides, self.box, swizzle)

    def describe(self):
        return ("%s: %s dims %s strides %s box %s swizzle %dB, L2 256B, OOB zero"
                % (self.operand, "UINT8" if self.element_bytes == 1 else "UINT16",
                   self.dims, self.strides, self.box + [1], self.swizzle))


def tma_operand(torch, t, element_bytes):
    """`t` (rows x inner, row-major, `element_bytes` wide) as TMA can read
    it: itself when a row is a multiple of 16 bytes, else a view of a copy
    whose rows are zero-padded to one. Returns (tensor, row bytes)."""
    assert t.dim() == 2 and t.element_size() == element_bytes, (t.shape, t.dtype)
    rows, inner = t.shape
    row_bytes = inner * element_bytes
    if row_bytes % 16 == 0 and t.is_contiguous():
        return t, row_bytes
    padded_inner = (row_bytes + 15) // 16 * 16 // element_bytes
    bits = torch.uint8 if element_bytes == 1 else torch.int16
    padded = torch.zeros(rows, padded_inner, dtype=bits, device=t.device)
    padded[:, :inner].copy_(t.view(bits))
    return padded.view(t.dtype)[:, :inner], padded_inner * element_bytes


def encode(cuda, spec):
    """The 128-byte CUtensorMap of `spec`, via the driver (`cuda`: ctypes
    CDLL of libcuda)."""
    f = cuda.cuTensorMapEncodeTiled
    f.restype = ctypes.c_int
    f.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32, ctypes.c_void_p,
                  ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint64),
                  ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(ctypes.c_uint32),
                  ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    # ctypes aligns buffers to 16 at best: place the map at a 64-byte boundary.
    raw = ctypes.create_string_buffer(TENSOR_MAP_BYTES + TENSOR_MAP_ALIGN)
    base = ctypes.addressof(raw)
    aligned = (base + TENSOR_MAP_ALIGN - 1) // TENSOR_MAP_ALIGN * TENSOR_MAP_ALIGN
    dims = (ctypes.c_uint64 * 3)(*spec.dims)
    strides = (ctypes.c_uint64 * 2)(*spec.strides)
    box = (ctypes.c_uint32 * 3)(spec.box[0], spec.box[1], 1)
    element_strides = (ctypes.c_uint32 * 3)(1, 1, 1)
    result = f(ctypes.c_void_p(aligned), DATA_TYPE[spec.element_bytes], 3,
               ctypes.c_void_p(spec.address), dims, strides, box, element_strides,
               INTERLEAVE_NONE, SWIZZLE[spec.swizzle], L2_PROMOTION_256B, OOB_FILL_ZERO)
    if result != 0:
        name = ctypes.c_char_p()
        cuda.cuGetErrorName(result, ctypes.byref(name))
        raise RuntimeError("cuTensorMapEncodeTiled(%s) failed: %s"
                           % (spec.describe(), name.value))
    return ctypes.string_at(aligned, TENSOR_MAP_BYTES)


def to_device(torch, blob):
    """A device copy of a tensor map (PyTorch's allocations are 512-byte
    aligned, more than the 64 TMA needs)."""
    t = torch.frombuffer(bytearray(blob), dtype=torch.uint8).to("cuda")
    if t.data_ptr() % TENSOR_MAP_ALIGN:
        raise RuntimeError("device tensor map not %d-byte aligned" % TENSOR_MAP_ALIGN)
    return t
