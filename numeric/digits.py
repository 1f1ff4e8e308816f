"""Compositional digits: three 8x8 handwritten digits side by side (docs/theory.md section 10, part b).

An offline, reproducible image analogue of the dataset family. Each example
is a triple of digit classes ``(c0, c1, c2)`` drawn as three 8x8 images from
scikit-learn's bundled ``load_digits`` (1797 images, no download) placed side
by side: a 192-pixel input (position j owns pixels ``64 j .. 64 j + 63``,
values scaled to [0, 1], then centered by the per-pixel mean of the training
examples so that ReLU units start in their active range).

Outputs, as in the linear family:

* compositional (the analogue of Omega_y): three one-hot class vectors,
  30 rows (position j owns rows ``10 j .. 10 j + 9``);
* non-compositional (the analogue of Gamma_y): the one-hot identity of the
  triple among the training triples, scaled by ``r``. Unseen triples have no
  identity row: such a row would only ever see the target 0.

There is no separate Gamma_x block: item-specific structure enters only
through the identity output, so ``r`` (the weight of that output) plays the
role of r and k2.

Splits (all from one seed)
--------------------------
* Images: per class, a fraction ``test_images`` of the images is held out;
  training examples draw from the remaining images, test examples from the
  held-out ones.
* Triples: ``n_train`` of the 1000 triples are trained, ``n_test`` others are
  the unseen test triples. The first 10 training triples are
  ``(i, p1(i), p2(i))`` for random permutations p1, p2 of the classes, so every
  class appears at every position; the rest are drawn at random. Fewer than 10
  training triples cannot cover every class at every position, and are refused.

Arrangements (``ARRANGEMENTS``, defined as data in :mod:`theory.images`)
-----------------------------------------------------------------------
* ``dense``: one network, all pixels -> compositional and identity outputs;
* ``split``: a compositional module and an identity module, both seeing all pixels;
* ``segregated``: one module per position (its 64 pixels -> its 10 classes)
  plus the identity module (all pixels).
Every module has the same hidden ReLU widths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np

from numeric.relu import ReluModule, check_hidden, check_lrs, check_seeds, fit, forward
from theory.images import IMAGE_ARRANGEMENTS, IMAGE_OUTPUTS, POSITIONS, get_image_arrangement

__all__ = [
    "ARRANGEMENTS", "POSITIONS", "CLASSES", "PIXELS", "DigitsData", "DigitsResult", "load_images",
    "make_digits", "digits_modules", "train_digits",
]

#: Classes per position, pixels per digit (8 x 8).
CLASSES, PIXELS = 10, 64
#: All triples of classes.
TRIPLES = CLASSES**POSITIONS
#: Arrangements of the digits experiment (defined in theory.images).
ARRANGEMENTS = tuple(IMAGE_ARRANGEMENTS)


@dataclass(frozen=True)
class DigitsData:
    """One reproducible draw of the compositional-digits dataset.

    Shapes: ``X`` (192, N) training inputs, ``Y`` (30 + n_train, N) targets,
    ``labels`` (3, N) classes of the training examples; ``X_test`` (192, M),
    ``labels_test`` (3, M) examples of the unseen test triples (held-out images).
    ``train_triples`` (n_train, 3) and ``test_triples`` (n_test, 3);
    ``images`` (3, N) and ``images_test`` (3, M) indices into :func:`load_images`.
    """

    r: float
    seed: int
    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray
    X_test: np.ndarray
    labels_test: np.ndarray
    train_triples: np.ndarray
    test_triples: np.ndarray
    images: np.ndarray
    images_test: np.ndarray


@dataclass(frozen=True)
class DigitsResult:
    """Accuracy of trained networks; batch order ``b = i_r * len(seeds) + i_seed``.

    ``correct`` (B,) digits classified correctly on unseen triples out of
    ``total`` (B,); ``accuracy`` = correct / total; ``triple_accuracy`` (B,)
    fraction of unseen-triple examples with all three digits right;
    ``train_accuracy`` (B,) digit accuracy on the training examples;
    ``loss`` (B, n_ckpt) at steps ``t``.
    """

    arch: str
    r: np.ndarray
    seeds: tuple[int, ...]
    hidden: tuple[int, ...]
    steps: int
    correct: np.ndarray
    total: np.ndarray
    accuracy: np.ndarray
    triple_accuracy: np.ndarray
    train_accuracy: np.ndarray
    t: np.ndarray
    loss: np.ndarray


@lru_cache(maxsize=1)
def load_images() -> tuple[np.ndarray, np.ndarray]:
    """The bundled digits: images (1797, 64) scaled to [0, 1] and their classes (1797,).

    Needs scikit-learn (the optional extra ``digits``); the data ship with it.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("the digits experiment needs scikit-learn: pip install 'modspec[digits]'") from err
    data = load_digits()
    images = np.asarray(data.data, dtype=float) / 16.0
    images.setflags(write=False)
    return images, np.asarray(data.target, dtype=np.int64)


def _check_int(name: str, value: object, lo: int, hi: int, why: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}]{' (' + why + ')' if why else ''}; got {value!r}")
    return int(value)


def _check_r(r: object) -> float:
    if isinstance(r, bool) or not isinstance(r, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(r)) or r < 0:
        raise ValueError(f"r must be a finite real number >= 0; got {r!r}")
    return float(r)


def _triples(rng: np.random.Generator, n_train: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Training triples covering every class at every position, and unseen test triples."""
    cover = np.stack([np.arange(CLASSES), rng.permutation(CLASSES), rng.permutation(CLASSES)], axis=1)
    code = cover @ (CLASSES ** np.arange(POSITIONS - 1, -1, -1))
    rest = rng.permutation(np.setdiff1d(np.arange(TRIPLES), code))
    chosen = np.concatenate([code, rest[: n_train - CLASSES]])
    test = rest[n_train - CLASSES: n_train - CLASSES + n_test]
    digits = lambda c: np.stack([(c // CLASSES**(POSITIONS - 1 - j)) % CLASSES for j in range(POSITIONS)], axis=1)
    return digits(chosen), digits(test)


def _compose(rng: np.random.Generator, triples: np.ndarray, per_triple: int, pools: list[np.ndarray],
             images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Examples of each triple: inputs (192, N), labels (3, N), triple index (N,), image indices (3, N)."""
    labels = np.repeat(triples, per_triple, axis=0)  # (N, 3)
    picks = np.stack([np.array([rng.choice(pools[c]) for c in labels[:, j]]) for j in range(POSITIONS)], axis=1)
    X = images[picks].reshape(len(labels), POSITIONS * PIXELS)
    return X.T.copy(), labels.T.copy(), np.repeat(np.arange(len(triples)), per_triple), picks.T.copy()


def make_digits(
    *, r: float = 1.0, seed: int = 0, n_train: int = 100, n_test: int = 100, per_triple: int = 5,
    test_per_triple: int = 2, test_images: float = 0.5,
) -> DigitsData:
    """Build a reproducible compositional-digits dataset.

    Parameters
    ----------
    r : float
        Scale of the identity output (>= 0; 0 removes its influence).
    seed : int
        Seed of every random choice (triples, image split, image draws).
    n_train : int
        Training triples, in [10, 1000 - n_test]: at least 10 so that every
        class appears at every position.
    n_test : int
        Unseen test triples, >= 1.
    per_triple, test_per_triple : int
        Examples per training / test triple (each draws fresh images).
    test_images : float
        Fraction of each class's images held out for the test examples, in (0, 1).
    """
    r = _check_r(r)
    seed = _check_int("seed", seed, 0, 2**63 - 1)
    n_test = _check_int("n_test", n_test, 1, TRIPLES - CLASSES)
    n_train = _check_int("n_train", n_train, CLASSES, TRIPLES - n_test,
                         f"training triples: at least {CLASSES} to cover every digit in every position, "
                         f"at most 1000 - n_test")
    per_triple = _check_int("per_triple", per_triple, 1, 1000)
    test_per_triple = _check_int("test_per_triple", test_per_triple, 1, 1000)
    if isinstance(test_images, bool) or not isinstance(test_images, (int, float)) or not 0 < test_images < 1:
        raise ValueError(f"test_images must be a fraction in (0, 1); got {test_images!r}")
    images, classes = load_images()
    rng = np.random.default_rng(seed)
    train_pool, test_pool = [], []
    for c in range(CLASSES):
        idx = rng.permutation(np.flatnonzero(classes == c))
        cut = int(round(len(idx) * test_images))
        test_pool.append(idx[:cut])
        train_pool.append(idx[cut:])
    train_triples, test_triples = _triples(rng, n_train, n_test)
    X, labels, which, picks = _compose(rng, train_triples, per_triple, train_pool, images)
    X_test, labels_test, _, picks_test = _compose(rng, test_triples, test_per_triple, test_pool, images)
    center = X.mean(axis=1, keepdims=True)  # per-pixel mean of the training examples
    X, X_test = X - center, X_test - center
    Y = np.zeros((POSITIONS * CLASSES + n_train, X.shape[1]))
    for j in range(POSITIONS):
        Y[CLASSES * j + labels[j], np.arange(X.shape[1])] = 1.0
    Y[POSITIONS * CLASSES + which, np.arange(X.shape[1])] = r
    return DigitsData(r, seed, X, Y, labels, X_test, labels_test, train_triples, test_triples, picks, picks_test)


def digits_modules(arch: str, n_train: int, hidden: Sequence[int]) -> tuple[ReluModule, ...]:
    """The ReLU modules of arrangement ``arch`` (theory.images) for ``n_train`` identity outputs.

    Position j owns pixels ``64 j .. 64 j + 63`` and output rows ``10 j .. 10 j + 9``;
    the identity rows follow the 30 class rows. Every module gets ``hidden``.
    """
    layout = get_image_arrangement(arch)
    hidden = check_hidden(hidden)
    rows = {f"digit{j}": tuple(range(CLASSES * j, CLASSES * (j + 1))) for j in range(POSITIONS)}
    rows[IMAGE_OUTPUTS[-1]] = tuple(range(POSITIONS * CLASSES, POSITIONS * CLASSES + n_train))
    return tuple(
        ReluModule(m.name, tuple(i for j in m.reads for i in range(PIXELS * j, PIXELS * (j + 1))),
                   tuple(i for w in m.writes for i in rows[w]), hidden)
        for m in layout
    )


def _one_blas_thread():  # noqa: ANN202
    """Limit BLAS to one thread: the batched products are small (64 x 192 x 500), and
    with the cores shared a multi-threaded BLAS measured 13x slower per step."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    return threadpool_limits(limits=1, user_api="blas")


def _digit_predictions(out: np.ndarray) -> np.ndarray:
    """Predicted class per position from the compositional outputs: (B, 3, N)."""
    comp = out[:, : POSITIONS * CLASSES, :]
    return np.stack([np.argmax(comp[:, CLASSES * j: CLASSES * (j + 1), :], axis=1) for j in range(POSITIONS)], axis=1)


def train_digits(
    arch: str,
    *,
    r: float | Sequence[float] = 1.0,
    seeds: int | Sequence[int] = (0,),
    hidden: int | Sequence[int] = (64,),
    lr: float = 0.3,
    momentum: float = 0.9,
    steps: int = 300,
    n_train: int = 100,
    n_test: int = 100,
    per_triple: int = 5,
    test_per_triple: int = 2,
    init_scale: float = 0.5,
    progress: Callable[[int, int], None] | None = None,
) -> DigitsResult:
    """Train ``arch`` on compositional digits for every (r, seed) and measure unseen-triple accuracy.

    The seed fixes both the dataset draw (triples, image split) and the initial
    weights, so networks with the same seed and different r see the same
    images (a paired comparison across r and across arrangements).
    Training is full-batch gradient descent with heavy-ball ``momentum`` in
    float32. The defaults (lr 0.3, momentum 0.9, init_scale 0.5, 300 steps)
    fit every training digit in every arrangement (training accuracy above
    0.99 at r = 0, 1, 3 on seeds 0 and 1) at a cost of about one second per
    network and 100 steps on one core; they were chosen for fitting the
    training set, not for the test accuracy.
    """
    rs = [r] if np.isscalar(r) else list(r)  # type: ignore[arg-type]
    if not rs:
        raise ValueError("r must be a number >= 0 or a non-empty sequence of them; got ()")
    rs = [_check_r(v) for v in rs]
    seeds = check_seeds(seeds)
    lr_arr = check_lrs(lr)
    if len(lr_arr) != 1:
        raise ValueError(f"lr must be one number > 0; got {lr!r}")
    modules = digits_modules(arch, _check_int("n_train", n_train, CLASSES, TRIPLES - 1,
                                              "at least 10 triples cover every digit in every position"), hidden)
    data = [make_digits(r=v, seed=s, n_train=n_train, n_test=n_test, per_triple=per_triple,
                        test_per_triple=test_per_triple) for v in rs for s in seeds]
    X = np.stack([d.X for d in data]).astype(np.float32)
    Y = np.stack([d.Y for d in data]).astype(np.float32)
    B = len(data)
    with _one_blas_thread():
        res = fit(modules, X, Y, lr=np.full(B, lr_arr[0]), steps=steps, seeds=[d.seed for d in data],
                  momentum=momentum, init_scale=init_scale, progress=progress)

    n_out = Y.shape[1]
    pred = _digit_predictions(forward(modules, res.params, np.stack([d.X_test for d in data]).astype(np.float32),
                                      n_out))
    truth = np.stack([d.labels_test for d in data])
    hits = pred == truth
    train_pred = _digit_predictions(forward(modules, res.params, X, n_out))
    train_acc = np.mean(train_pred == np.stack([d.labels for d in data]), axis=(1, 2))
    correct = hits.sum(axis=(1, 2))
    total = np.full(B, hits.shape[1] * hits.shape[2])
    return DigitsResult(arch, np.array([d.r for d in data]), tuple(d.seed for d in data), check_hidden(hidden),
                        steps, correct, total, correct / total, hits.all(axis=1).mean(axis=1), train_acc,
                        res.t, res.loss)
