//! Ordering the graph's nodes so every node runs after the producers of its inputs
//! (Kahn's algorithm); a cycle is an error.

use std::collections::{HashMap, VecDeque};

use super::error::Result;
use super::graph::{input_slots, invalid};
use super::proto::GraphProto;

/// Node indices in an order where every node follows the producers of its inputs.
pub(crate) fn topological_order(
    g: &GraphProto,
    slot_of: &HashMap<&str, usize>,
) -> Result<Vec<usize>> {
    let mut producer: HashMap<usize, usize> = HashMap::new();
    for (i, n) in g.node.iter().enumerate() {
        for o in n.output.iter().filter(|o| !o.is_empty()) {
            if let Some(&s) = slot_of.get(o.as_str()) {
                producer.insert(s, i);
            }
        }
    }
    let mut waiting = vec![0usize; g.node.len()];
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); g.node.len()];
    for (i, n) in g.node.iter().enumerate() {
        for s in input_slots(n, slot_of)? {
            if let Some(&p) = producer.get(&s) {
                waiting[i] += 1;
                consumers[p].push(i);
            }
        }
    }
    let mut ready: VecDeque<usize> = (0..g.node.len()).filter(|&i| waiting[i] == 0).collect();
    let mut order = Vec::with_capacity(g.node.len());
    while let Some(i) = ready.pop_front() {
        order.push(i);
        for &c in &consumers[i] {
            waiting[c] -= 1;
            if waiting[c] == 0 {
                ready.push_back(c);
            }
        }
    }
    if order.len() != g.node.len() {
        return Err(invalid("the graph contains a cycle".into()));
    }
    Ok(order)
}
