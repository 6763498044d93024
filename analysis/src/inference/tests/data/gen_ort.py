"""Records onnxruntime 1.32.0 outputs of the fixture ONNX models for the inference tests.

Inputs: the 50 reference rows of <model>.json, then 50 perturbed copies
x[i][j] * (1 + 0.02 * (((i*7 + j*3) % 11) - 5)); for tree models, perturbed cells with
(i*5 + j) % 17 == 0 are NaN. Evaluated in batches of 50 rows. The Rust test rebuilds the same inputs.
"""
import json, os, sys, numpy as np, onnxruntime as ort
FIX = os.environ.get('RAIA_FIXTURES', os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../../../shared/fixtures'))
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ort') + '/'
models = {
    'logreg_bc_f32': 'logreg_bc', 'logreg_bc_f64': 'logreg_bc', 'logreg_bc_zipmap_f32': 'logreg_bc',
    'pipe_scaler_logreg_bc_f32': 'pipe_scaler_logreg_bc', 'pipe_scaler_logreg_bc_f64': 'pipe_scaler_logreg_bc',
    'pipe_scaler_logreg_iris_f32': 'pipe_scaler_logreg_iris', 'pipe_normalizer_logreg_iris_f32': 'pipe_normalizer_logreg_iris',
    'rf_bc_f32': 'rf_bc', 'rf_bc_zipmap_f32': 'rf_bc', 'rf_iris_f32': 'rf_iris', 'gbc_bc_f32': 'gbc_bc',
    'gbr_diabetes_f32': 'gbr_diabetes', 'gbr_diabetes_te5': 'gbr_diabetes', 'rfr_diabetes_f32': 'rfr_diabetes',
    'rfr_diabetes_te5': 'rfr_diabetes',
}
def enc(v):
    v = float(v)
    return None if np.isnan(v) else v
for m, ref in models.items():
    X = np.array(json.load(open(f'{FIX}/models/{ref}.json'))['inputs'], dtype=np.float64)
    P = X.copy()
    tree = m.startswith(('rf', 'gb'))
    for i in range(P.shape[0]):
        for j in range(P.shape[1]):
            P[i, j] = X[i, j] * (1.0 + 0.02 * (((i * 7 + j * 3) % 11) - 5.0))
            if tree and (i * 5 + j) % 17 == 0:
                P[i, j] = np.nan
    A = np.vstack([X, P])
    s = ort.InferenceSession(f'{FIX}/models/{m}.onnx', providers=['CPUExecutionProvider'])
    dtype = np.float64 if s.get_inputs()[0].type == 'tensor(double)' else np.float32
    # Two batches of 50 rows: onnxruntime's tree kernels then sum trees sequentially in
    # file order (their thread-parallel path for larger batches reorders the sums).
    halves = [s.run(None, {'input': A[k:k + 50].astype(dtype)}) for k in (0, 50)]
    outs = [h0 + h1 if isinstance(h0, list) else np.concatenate([h0, h1]) for h0, h1 in zip(*halves)]
    rec = {}
    for o, v in zip(s.get_outputs(), outs):
        if isinstance(v, list):  # seq(map)
            keys = list(v[0].keys())
            v = np.array([[d[k] for k in keys] for d in v])
        v = np.asarray(v)
        rec[o.name] = {'shape': list(v.shape), 'data': [enc(x) if v.dtype.kind == 'f' else int(x) for x in v.ravel()]}
    json.dump({'model': m + '.onnx', 'reference': ref + '.json', 'nan': tree, 'outputs': rec}, open(OUT + m + '.json', 'w'))
print('ok')
