//! The simplex solver on programs with known optima (textbook, equality, free variables,
//! Beale's cycling example, infeasible and unbounded programs).

use crate::fairness::linprog::{linprog, LinearProgram, LpError};

fn close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-10, "got {got:?}, want {want:?}");
    }
}

#[test]
fn textbook_maximisation_reaches_its_vertex() {
    // max 3x + 5y s.t. x <= 4, 2y <= 12, 3x + 2y <= 18 -> (2, 6), value 36.
    let p = LinearProgram {
        c: vec![-3.0, -5.0],
        a_ub: vec![vec![1.0, 0.0], vec![0.0, 2.0], vec![3.0, 2.0]],
        b_ub: vec![4.0, 12.0, 18.0],
        ..Default::default()
    };
    close(&linprog(&p).unwrap(), &[2.0, 6.0]);
}

#[test]
fn equality_and_negative_right_hand_sides_need_phase_one() {
    // min x + 2y + 3z s.t. x + y + z = 1, -x - y <= -0.5 (x + y >= 0.5), y - z <= 0.
    let p = LinearProgram {
        c: vec![1.0, 2.0, 3.0],
        a_ub: vec![vec![-1.0, -1.0, 0.0], vec![0.0, 1.0, -1.0]],
        b_ub: vec![-0.5, 0.0],
        a_eq: vec![vec![1.0, 1.0, 1.0]],
        b_eq: vec![1.0],
        free: vec![],
    };
    close(&linprog(&p).unwrap(), &[1.0, 0.0, 0.0]);
    // Forcing z >= 0.7 moves the optimum: x = 0.3, y = 0, z = 0.7.
    let mut q = p.clone();
    q.a_ub.push(vec![0.0, 0.0, -1.0]);
    q.b_ub.push(-0.7);
    let x = linprog(&q);
    assert_eq!(
        x,
        Err(LpError::Infeasible),
        "x + y >= 0.5 and z >= 0.7 exceed 1"
    );
    q.b_ub[2] = -0.4;
    close(&linprog(&q).unwrap(), &[0.6, 0.0, 0.4]);
}

#[test]
fn free_variables_take_negative_values() {
    // min -mu + 0 l s.t. mu - l <= -2, l <= 5, mu free -> mu = 3, l = 5.
    let p = LinearProgram {
        c: vec![-1.0, 0.0],
        a_ub: vec![vec![1.0, -1.0], vec![0.0, 1.0]],
        b_ub: vec![-2.0, 5.0],
        free: vec![true, false],
        ..Default::default()
    };
    close(&linprog(&p).unwrap(), &[3.0, 5.0]);
    let p = LinearProgram {
        c: vec![1.0],
        a_ub: vec![vec![-1.0]],
        b_ub: vec![4.0],
        free: vec![true],
        ..Default::default()
    };
    close(&linprog(&p).unwrap(), &[-4.0]);
}

#[test]
fn beales_degenerate_program_does_not_cycle() {
    // Beale (1955): cycles under Dantzig's rule; optimum -1/20 at (1/25, 0, 1, 0).
    let p = LinearProgram {
        c: vec![-0.75, 150.0, -0.02, 6.0],
        a_ub: vec![
            vec![0.25, -60.0, -0.04, 9.0],
            vec![0.5, -90.0, -0.02, 3.0],
            vec![0.0, 0.0, 1.0, 0.0],
        ],
        b_ub: vec![0.0, 0.0, 1.0],
        ..Default::default()
    };
    let x = linprog(&p).unwrap();
    close(&x, &[0.04, 0.0, 1.0, 0.0]);
    let value: f64 = x.iter().zip(&p.c).map(|(a, b)| a * b).sum();
    assert!((value + 0.05).abs() < 1e-12);
}

#[test]
fn unbounded_and_malformed_programs_are_reported() {
    let p = LinearProgram {
        c: vec![-1.0, 0.0],
        a_ub: vec![vec![-1.0, 1.0]],
        b_ub: vec![1.0],
        ..Default::default()
    };
    assert_eq!(linprog(&p), Err(LpError::Unbounded));
    let p = LinearProgram {
        c: vec![1.0],
        a_ub: vec![vec![1.0, 2.0]],
        b_ub: vec![1.0],
        ..Default::default()
    };
    assert!(matches!(linprog(&p), Err(LpError::Dimension(_))));
}
