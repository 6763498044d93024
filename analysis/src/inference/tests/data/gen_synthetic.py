"""Edge-case ONNX models built with onnx.helper and their onnxruntime 1.32.0 outputs, for
the inference tests: tree-ensemble modes, missing values, aggregates, post-transforms,
binary-classifier conventions, string labels, TreeEnsemble v5 set membership, linear
operators, Scaler/Normalizer on double input, default-domain arithmetic.

Writes synthetic/<name>.onnx and synthetic/<name>.json ({inputs, outputs}); batches of
30 rows, so onnxruntime's tree kernels sum trees sequentially.
"""
import json
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as TP, helper as h, numpy_helper as nh

import os
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'synthetic') + '/'
rng = np.random.default_rng(11)


def save(name, nodes, inputs, outputs, X, opsets=(('', 17), ('ai.onnx.ml', 3)), inits=()):
    g = h.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid(d, v) for d, v in opsets])
    m.ir_version = 10 if dict(opsets).get('ai.onnx.ml', 1) >= 5 else 8
    b = m.SerializeToString()
    open(OUT + name + '.onnx', 'wb').write(b)
    s = ort.InferenceSession(b, providers=['CPUExecutionProvider'])
    res = s.run(None, {'input': X})
    rec = {}
    for o, v in zip(s.get_outputs(), res):
        if isinstance(v, list):
            keys = list(v[0].keys())
            v = np.array([[d[k] for k in keys] for d in v], dtype=np.float32)
        v = np.asarray(v)
        if v.dtype.kind in 'OUS':
            data = [str(x) for x in v.ravel()]
        elif v.dtype.kind == 'f':
            data = [None if np.isnan(x) else float(x) for x in v.ravel()]
        else:
            data = [int(x) for x in v.ravel()]
        rec[o.name] = {'shape': list(v.shape), 'data': data}
    inputs_json = [[None if np.isnan(x) else float(x) for x in row] for row in X.astype(np.float64)]
    json.dump({'inputs': inputs_json, 'outputs': rec}, open(OUT + name + '.json', 'w'))


def X_(nf, dtype=np.float32, nan=0.1, n=30):
    X = rng.normal(size=(n, nf)).round(2)
    X[rng.random(X.shape) < nan] = np.nan
    return X.astype(dtype)


def vi(name, t, shape):
    return h.make_tensor_value_info(name, t, shape)


# Two small trees over 3 features with mixed modes; (tree, node) layout for opset 1/3.
def trees(modes=('BRANCH_LEQ', 'BRANCH_LT', 'BRANCH_GTE', 'BRANCH_GT', 'BRANCH_EQ', 'BRANCH_NEQ'),
          missing=(0, 1, 0, 1, 0, 0)):
    # tree 0: n0 -> (n1, n2); n1 -> (n3 leaf, n4 leaf); n2 leaf
    # tree 1: n0 -> (n1 leaf, n2); n2 -> (n3 leaf, n4 leaf)
    return dict(
        nodes_treeids=[0, 0, 0, 0, 0, 1, 1, 1, 1, 1],
        nodes_nodeids=[0, 1, 2, 3, 4, 0, 1, 2, 3, 4],
        nodes_featureids=[0, 1, 0, 0, 0, 2, 0, 1, 0, 0],
        nodes_modes=[modes[0], modes[1], 'LEAF', 'LEAF', 'LEAF', modes[2], 'LEAF', modes[3], 'LEAF', 'LEAF'],
        nodes_values=[0.1, -0.2, 0, 0, 0, 0.3, 0, 0.0, 0, 0],
        nodes_truenodeids=[1, 3, 0, 0, 0, 1, 0, 3, 0, 0],
        nodes_falsenodeids=[2, 4, 0, 0, 0, 2, 0, 4, 0, 0],
        nodes_missing_value_tracks_true=[missing[0], missing[1], 0, 0, 0, missing[2], 0, missing[3], 0, 0],
        nodes_hitrates=[1.0] * 10,
    )


LEAVES = [(0, 2), (0, 3), (0, 4), (1, 1), (1, 3), (1, 4)]
tec_out = [vi('label', TP.INT64, [None]), vi('probabilities', TP.FLOAT, [None, 2])]


def votes(prefix, per_leaf):
    t, n, c, w = [], [], [], []
    for (tree, node), vs in zip(LEAVES, per_leaf):
        for cls, wt in vs:
            t.append(tree); n.append(node); c.append(cls); w.append(wt)
    return {f'{prefix}_treeids': t, f'{prefix}_nodeids': n, f'{prefix}_ids': c, f'{prefix}_weights': w}


X3 = X_(3)
inp3 = [vi('input', TP.FLOAT, [None, 3])]
# Binary, both classes vote (onnxruntime then returns the literal label 1 / 0).
v = votes('class', [[(0, .8), (1, .2)], [(0, .3), (1, .7)], [(0, .5), (1, .5)], [(0, .1), (1, .9)], [(0, .6), (1, .4)], [(0, 1.), (1, 0.)]])
save('tec_binary_two_columns', [h.make_node('TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
     classlabels_int64s=[3, 7], **trees(), **v)], inp3, tec_out, X3)
# Binary, class 0 votes only, mixed signs, two base values, LOGISTIC.
v = votes('class', [[(0, -.8)], [(0, .7)], [(0, .2)], [(0, -.1)], [(0, .4)], [(0, -.5)]])
save('tec_binary_base2_logistic', [h.make_node('TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
     classlabels_int64s=[3, 7], base_values=[0.1, 0.2], post_transform='LOGISTIC', **trees(), **v)], inp3, tec_out, X3)
# Binary, class 0 votes only, one base value, LOGISTIC (GradientBoostingClassifier layout).
save('tec_binary_base1_logistic', [h.make_node('TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
     classlabels_int64s=[0, 1], base_values=[-0.3], post_transform='LOGISTIC', **trees(), **v)], inp3, tec_out, X3)
# Binary, class 1 votes only, positive weights.
v = votes('class', [[(1, .3)], [(1, .7)], [(1, .2)], [(1, .1)], [(1, .4)], [(1, .5)]])
save('tec_binary_class1_only', [h.make_node('TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
     classlabels_int64s=[3, 7], **trees(), **v)], inp3, tec_out, X3)
# Three string classes, SOFTMAX, base values, double input (double thresholds/sums).
v = votes('class', [[(0, .8), (2, .2)], [(1, .7)], [(0, .5), (1, .5)], [(2, .9)], [(0, .6), (1, .4)], [(1, 1.)]])
save('tec_multi_strings_softmax_double', [h.make_node('TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
     classlabels_strings=['a', 'b', 'c'], base_values=[0.1, -0.1, 0.05], post_transform='SOFTMAX', **trees(), **v)],
     [vi('input', TP.DOUBLE, [None, 3])], [vi('label', TP.STRING, [None]), vi('probabilities', TP.FLOAT, [None, 3])], X_(3, np.float64))
# Four classes, SOFTMAX_ZERO, some classes without votes.
v = votes('class', [[(0, .8)], [(1, .7)], [(0, .5), (1, .5)], [(1, .9)], [(0, .6), (1, .4)], [(1, 1.)]])
save('tec_multi_softmax_zero', [h.make_node('TreeEnsembleClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
     classlabels_int64s=[10, 20, 30, 40], post_transform='SOFTMAX_ZERO', **trees(), **v)],
     inp3, [vi('label', TP.INT64, [None]), vi('probabilities', TP.FLOAT, [None, 4])], X3)
# Regressor, 2 targets, AVERAGE, base values, EQ/NEQ modes.
v = votes('target', [[(0, 1.5), (1, -2.)], [(0, .7)], [(1, .25)], [(0, -1.1), (1, 3.)], [(0, .4)], [(1, -.5)]])
reg2 = [vi('variable', TP.FLOAT, [None, 2])]
X3eq = X_(3)
X3eq[::3, 0] = 0.1  # hit the equality splits exactly
X3eq[1::4, 2] = 0.3
save('ter_average_eq_neq', [h.make_node('TreeEnsembleRegressor', ['input'], ['variable'], domain='ai.onnx.ml', n_targets=2,
     aggregate_function='AVERAGE', base_values=[1.0, -1.0],
     **trees(modes=('BRANCH_EQ', 'BRANCH_NEQ', 'BRANCH_LEQ', 'BRANCH_LT'), missing=(1, 0, 1, 0)), **v)], inp3, reg2, X3eq)
for agg in ('MIN', 'MAX'):
    save(f'ter_{agg.lower()}_2targets', [h.make_node('TreeEnsembleRegressor', ['input'], ['variable'], domain='ai.onnx.ml', n_targets=2,
         aggregate_function=agg, **trees(), **v)], inp3, reg2, X3)
v1 = votes('target', [[(0, 1.5)], [(0, .7)], [(0, .25)], [(0, -1.1)], [(0, .4)], [(0, -.5)]])
save('ter_min_1target_base', [h.make_node('TreeEnsembleRegressor', ['input'], ['variable'], domain='ai.onnx.ml', n_targets=1,
     aggregate_function='MIN', base_values=[0.5], **trees(), **v1)], inp3, [vi('variable', TP.FLOAT, [None, 1])], X3)
save('ter_double_input_logistic', [h.make_node('TreeEnsembleRegressor', ['input'], ['variable'], domain='ai.onnx.ml', n_targets=1,
     post_transform='LOGISTIC', base_values=[0.25], **trees(), **v1)], [vi('input', TP.DOUBLE, [None, 3])],
     [vi('variable', TP.FLOAT, [None, 1])], X_(3, np.float64))
save('ter_2targets_softmax', [h.make_node('TreeEnsembleRegressor', ['input'], ['variable'], domain='ai.onnx.ml', n_targets=2,
     post_transform='SOFTMAX', **trees(), **v)], inp3, reg2, X3)
# TreeEnsemble (ml opset 5): set membership, a single-leaf tree, float and double.
for dt, npdt, tp in (('float', np.float32, TP.FLOAT), ('double', np.float64, TP.DOUBLE)):
    t = lambda vals: nh.from_array(np.array(vals, dtype=npdt))
    X5 = X_(3, npdt)
    X5[::2, 1] = rng.choice([1.0, 2.0, 5.0], size=X5[::2, 1].shape)
    node = h.make_node('TreeEnsemble', ['input'], ['variable'], domain='ai.onnx.ml', n_targets=2, aggregate_function=1,
        # tree 0: node0 (x0 <= 0.2) -> node1 | leaf2 ; node1 (x1 in {1, 5}) -> leaf0 | leaf1
        # tree 1: node2 (x2 > -0.3, NaN true) -> leaf3 | leaf4
        # tree 2: node3 is a single-leaf tree (both sides the same leaf; the leaf is #3)
        nodes_featureids=[0, 1, 2, 0], nodes_modes=nh.from_array(np.array([0, 6, 3, 0], dtype=np.uint8)),
        nodes_splits=t([0.2, 0.0, -0.3, 0.0]), nodes_truenodeids=[1, 0, 3, 3], nodes_trueleafs=[0, 1, 1, 1],
        nodes_falsenodeids=[2, 1, 4, 3], nodes_falseleafs=[1, 1, 1, 1], nodes_missing_value_tracks_true=[0, 0, 1, 0],
        membership_values=t([1.0, 5.0, np.nan]), tree_roots=[0, 2, 3],
        leaf_targetids=[0, 1, 0, 1, 0, 1], leaf_weights=t([1.0, 2.0, -0.5, 0.25, 0.125, 3.0]))
    save(f'te5_member_{dt}', [node], [vi('input', tp, [None, 3])], [vi('variable', tp, [None, 2])], X5,
         opsets=(('', 21), ('ai.onnx.ml', 5)))
# Linear operators.
X4 = X_(4, nan=0)
inp4 = [vi('input', TP.FLOAT, [None, 4])]
save('linear_1target_logistic', [h.make_node('LinearClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
     classlabels_ints=[3, 7], coefficients=[0.5, -1.0, 0.25, 2.0], intercepts=[0.1], post_transform='LOGISTIC')],
     inp4, tec_out, X4)
save('linear_1target_none', [h.make_node('LinearClassifier', ['input'], ['label', 'probabilities'], domain='ai.onnx.ml',
     classlabels_ints=[3, 7], coefficients=[0.5, -1.0, 0.25, 2.0], intercepts=[0.1])], inp4, tec_out, X4)
lc = h.make_node('LinearClassifier', ['input'], ['label', 'probs'], domain='ai.onnx.ml', classlabels_strings=['x', 'y', 'z'],
     coefficients=list(rng.normal(size=12).round(3)), intercepts=[0.1, -0.2, 0.3], post_transform='SOFTMAX_ZERO')
zm = h.make_node('ZipMap', ['probs'], ['output_probability'], domain='ai.onnx.ml', classlabels_strings=['x', 'y', 'z'])
save('linear_strings_softmax_zero_zipmap', [lc, zm], inp4, [vi('label', TP.STRING, [None]),
     h.make_value_info('output_probability', h.make_sequence_type_proto(h.make_map_type_proto(TP.STRING, h.make_tensor_type_proto(TP.FLOAT, []))))], X4)
save('linear_regressor_2targets', [h.make_node('LinearRegressor', ['input'], ['variable'], domain='ai.onnx.ml', targets=2,
     coefficients=list(rng.normal(size=8).round(3)), intercepts=[1.0, -2.0])], inp4, reg2, X4)
save('linear_regressor_1target', [h.make_node('LinearRegressor', ['input'], ['variable'], domain='ai.onnx.ml', targets=1,
     coefficients=[0.5, -1.0, 0.25, 2.0], intercepts=[0.3], post_transform='NONE')], inp4, [vi('variable', TP.FLOAT, [None, 1])], X4)
# Scaler (scalar parameters) and Normalizer MAX / L2 on double input.
Xd = X_(4, np.float64, nan=0)
save('scaler_normalizer_double', [
    h.make_node('Scaler', ['input'], ['scaled'], domain='ai.onnx.ml', offset=[0.5], scale=[2.0]),
    h.make_node('Normalizer', ['scaled'], ['nmax'], domain='ai.onnx.ml', norm='MAX'),
    h.make_node('Normalizer', ['input'], ['nl2'], domain='ai.onnx.ml', norm='L2')],
    [vi('input', TP.DOUBLE, [None, 4])], [vi('nmax', TP.FLOAT, [None, 4]), vi('nl2', TP.FLOAT, [None, 4])], Xd)
# Default-domain arithmetic and indexing (opset 17).
inits = [nh.from_array(np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32), 'w'),
         nh.from_array(np.array([1], dtype=np.int64), 'axes'),
         nh.from_array(np.array([2, -1], dtype=np.int64), 'shape')]
nodes = [h.make_node('Mul', ['input', 'w'], ['m']), h.make_node('Sub', ['m', 'input'], ['d']),
         h.make_node('Softmax', ['d'], ['sm'], axis=1), h.make_node('Exp', ['sm'], ['e']), h.make_node('Neg', ['e'], ['ne']),
         h.make_node('Abs', ['ne'], ['ab']), h.make_node('ReduceSum', ['ab', 'axes'], ['rs'], keepdims=0),
         h.make_node('ArgMax', ['d'], ['am'], axis=1, keepdims=0, select_last_index=1),
         h.make_node('Sigmoid', ['d'], ['sg']), h.make_node('Cast', ['sg'], ['sgd'], to=TP.DOUBLE),
         h.make_node('Reshape', ['sm', 'shape'], ['rsh']), h.make_node('Div', ['m', 'w'], ['dv'])]
save('standard_ops', nodes, inp4, [vi('rs', TP.FLOAT, [None]), vi('am', TP.INT64, [None]), vi('sgd', TP.DOUBLE, [None, 4]),
     vi('rsh', TP.FLOAT, [2, None]), vi('dv', TP.FLOAT, [None, 4])], X4, inits=inits)
print('ok')
