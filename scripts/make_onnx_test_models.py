#!/usr/bin/python3
"""Writes the ONNX models tb/test_onnx_model.cpp reads, into the folder given: one small valid
network, one initializer of every element type the reader converts, and one model per problem it
must refuse. Built with onnx.helper rather than torch so that it takes well under a second; the
values are exact in float32 so that the test can compare with ==.

Usage: make_onnx_test_models.py FOLDER"""
import os
import struct
import sys

import onnx
from onnx import TensorProto, helper

T = TensorProto


def tensor(name, data_type, dims, raw=None, **typed):
    """A TensorProto with raw_data `raw` (bytes) or typed fields (float_data=[...], ...), set
    directly so that the test knows exactly which field holds the data."""
    t = TensorProto()
    t.name = name
    t.data_type = data_type
    t.dims.extend(dims)
    if raw is not None:
        t.raw_data = raw
    for field, values in typed.items():
        getattr(t, field).extend(values)
    return t


def packed(fmt, values):
    return struct.pack("<%d%s" % (len(values), fmt), *values)


def model(nodes, inputs, outputs, initializers=(), opset=13, extra_opsets=(), sparse=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers),
                              sparse_initializer=list(sparse))
    opsets = [helper.make_opsetid("", opset)] + list(extra_opsets)
    m = helper.make_model(graph, opset_imports=opsets, producer_name="swis-test",
                          producer_version="1.0")
    m.ir_version = 8  # what torch 2.x writes; onnx 1.12 would default to 8 too
    return m


def vec(name, shape):
    return helper.make_tensor_value_info(name, T.FLOAT, shape)


# The weights' values: k/8 - 3 and (k % 7) - 3 are exact in float32.
CONV_W = [k * 0.125 - 3.0 for k in range(2 * 3 * 3 * 3)]
GEMM_W = [float(k % 7 - 3) for k in range(4 * 32)]


def tiny():
    """x (N,3,8,8) -> Conv 3x3/2 -> Relu -> Reshape (-1, 32) -> Gemm (+ Constant bias) -> Clip."""
    inits = [
        tensor("conv.w", T.FLOAT, [2, 3, 3, 3], raw=packed("f", CONV_W)),
        tensor("conv.b", T.FLOAT, [2], float_data=[0.5, -1.5]),
        tensor("shape", T.INT64, [2], int64_data=[-1, 32]),
        tensor("gemm.w", T.FLOAT, [4, 32], raw=packed("f", GEMM_W)),
        tensor("clip.max", T.FLOAT, [], raw=packed("f", [6.0])),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "conv.w", "conv.b"], ["c"], name="conv0",
                         kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1],
                         dilations=[1, 1], group=1, auto_pad="NOTSET"),
        helper.make_node("Relu", ["c"], ["r"], name="relu0"),
        helper.make_node("Reshape", ["r", "shape"], ["f"], name="reshape0"),
        helper.make_node("Constant", [], ["gemm.c"], name="const0",
                         value=tensor("gemm.c.value", T.FLOAT, [4],
                                      float_data=[1.0, 2.0, 3.0, 4.0])),
        helper.make_node("Constant", [], ["cf"], name="const1", value_floats=[0.25, -0.5]),
        helper.make_node("Gemm", ["f", "gemm.w", "gemm.c"], ["g"], name="gemm0", alpha=1.0,
                         beta=0.5, transB=1),
        # Clip without min: the omitted optional input is an empty name.
        helper.make_node("Clip", ["g", "", "clip.max"], ["y"], name="clip0"),
    ]
    m = model(nodes, [vec("x", ["N", 3, 8, 8])], [vec("y", ["N", 4])], inits)
    onnx.checker.check_model(m, full_check=True)
    return m


def identity(initializers=(), nodes=None, **kw):
    """x -> Identity -> y, with extra initializers or nodes carrying what is under test."""
    base = [helper.make_node("Identity", ["x"], ["y"], name="id0")]
    return model(base + list(nodes or []), [vec("x", [2])], [vec("y", [2])], initializers, **kw)


def types():
    """One initializer per element type the reader converts, raw and typed."""
    inits = [
        tensor("f16_raw", T.FLOAT16, [4], raw=packed("H", [0x3C00, 0xC100, 0x7BFF, 0x0001])),
        tensor("f16_typed", T.FLOAT16, [2], int32_data=[0x3800, 0xFC00]),
        tensor("bf16_raw", T.BFLOAT16, [2], raw=packed("H", [0x3F80, 0xC040])),
        tensor("f64_typed", T.DOUBLE, [2], double_data=[0.1, -1e10]),
        tensor("f64_raw", T.DOUBLE, [1], raw=packed("d", [2.5])),
        tensor("u8_raw", T.UINT8, [3], raw=bytes([0, 200, 255])),
        tensor("i8_typed", T.INT8, [2], int32_data=[-128, 127]),
        tensor("bool_typed", T.BOOL, [3], int32_data=[1, 0, 1]),
        tensor("i32_raw", T.INT32, [2], raw=packed("i", [-7, 2**31 - 1])),
        tensor("i64_raw", T.INT64, [2], raw=packed("q", [-(2**40), 2**62])),
        tensor("u32_raw", T.UINT32, [1], raw=packed("I", [2**32 - 1])),
        tensor("u64_typed", T.UINT64, [1], uint64_data=[2**63 - 1]),
        tensor("empty", T.FLOAT, [0, 3]),
    ]
    return identity(inits, opset=17)


def bad_models(tiny_model):
    """File name -> model (or bytes) the reader must refuse."""
    relu = [helper.make_node("Relu", ["x"], ["y"], name="relu0")]
    io = ([vec("x", [2])], [vec("y", [2])])
    branch = helper.make_graph([helper.make_node("Identity", ["x"], ["z"])], "branch", [],
                               [vec("z", [2])])
    sparse = helper.make_sparse_tensor(tensor("sp_values", T.FLOAT, [1], float_data=[1.0]),
                                       tensor("sp_indices", T.INT64, [1], int64_data=[0]), [4])
    external = tensor("ext", T.FLOAT, [4])
    external.data_location = T.EXTERNAL
    entry = external.external_data.add()
    entry.key, entry.value = "location", "ext.bin"
    tiny_bytes = tiny_model.SerializeToString()
    return {
        "opset10.onnx": model(relu, *io, opset=10),
        "opset18.onnx": model(relu, *io, opset=18),
        "ms_domain.onnx": identity(
            nodes=[helper.make_node("Gelu", ["y"], ["z"], name="gelu0", domain="com.microsoft")],
            extra_opsets=[helper.make_opsetid("com.microsoft", 1)]),
        # A name that would break the message's one line if copied as it is.
        "odd_name.onnx": identity(
            nodes=[helper.make_node("Gelu", ["y"], ["z"], name="two\nlines", domain="x")]),
        "if_subgraph.onnx": identity(
            [tensor("cond", T.BOOL, [], int32_data=[1])],
            [helper.make_node("If", ["cond"], ["z"], name="if0", then_branch=branch,
                              else_branch=branch)]),
        "sparse.onnx": identity(sparse=[sparse]),
        "external.onnx": identity([external]),
        "string.onnx": identity([tensor("names", T.STRING, [1], string_data=[b"a"])]),
        "raw_size.onnx": identity([tensor("w", T.FLOAT, [3], raw=packed("f", [1.0, 2.0]))]),
        "typed_count.onnx": identity([tensor("w", T.FLOAT, [3], float_data=[1.0, 2.0])]),
        "u64_big.onnx": identity([tensor("big", T.UINT64, [1], uint64_data=[2**63])]),
        "f64_range.onnx": identity([tensor("huge", T.DOUBLE, [1], double_data=[1e300])]),
        # Cut inside the graph, a length-delimited field that then claims more than is left.
        "truncated.onnx": tiny_bytes[: len(tiny_bytes) // 2],
        "garbage.onnx": b"this is not an ONNX model\n",
        "empty.onnx": b"",
    }


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.splitlines()[-1])
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    tiny_model = tiny()
    files = {"tiny.onnx": tiny_model, "types.onnx": types()}
    files.update(bad_models(tiny_model))
    for name, m in files.items():
        data = m if isinstance(m, bytes) else m.SerializeToString()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
