//! Tree ensembles and TreeSHAP (path-dependent and interventional).

mod interventional;
mod model;
mod onnx;
mod path_dependent;
mod sklearn;
mod xgboost;

pub use model::{InputPrecision, Node, Split, SplitRule, Tree, TreeEnsemble};
pub use sklearn::SklearnTree;
pub use xgboost::{
    XgbBooster, XgbLearner, XgbModel, XgbModelParam, XgbObjective, XgbTree, XgbTrees,
};
