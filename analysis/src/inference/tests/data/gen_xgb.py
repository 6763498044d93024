# Generates small XGBoost 3.2.0 models with missing values for the inference tests.
import numpy as np, xgboost as xgb, json
rng = np.random.default_rng(3)
import os
out = os.path.dirname(os.path.abspath(__file__)) + '/'
def dump(name, params, y_fn, rounds):
    X = rng.normal(size=(300, 4)).astype(np.float32)
    y = y_fn(X)
    X[rng.random(X.shape) < 0.15] = np.nan
    b = xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=rounds)
    b.save_model(out + name + '.json')
    Xt = X[:40]
    d = xgb.DMatrix(Xt)
    ref = {
        'inputs': [[None if np.isnan(v) else float(v) for v in row] for row in Xt],
        'margin': b.predict(d, output_margin=True).astype(float).tolist(),
        'predict': b.predict(d).astype(float).tolist(),
    }
    json.dump(ref, open(out + name + '_ref.json', 'w'))
dump('xgb_softprob_nan', {'objective': 'multi:softprob', 'num_class': 3, 'max_depth': 2, 'eta': 0.5},
     lambda X: (X[:, 0] + 0.5 * X[:, 1] > 0.3).astype(int) + (X[:, 2] > 0.8).astype(int), 4)
dump('xgb_logistic_nan', {'objective': 'binary:logistic', 'max_depth': 3, 'eta': 0.3},
     lambda X: (X[:, 0] - X[:, 3] > 0.1).astype(int), 6)
