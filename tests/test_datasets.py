import io

import numpy as np
import pytest

from weightviz import datasets
from weightviz.datasets import CSVError


@pytest.mark.parametrize("name", list(datasets.DATASETS))
def test_every_dataset_is_seeded_shaped_and_labelled(name):
    a, b = datasets.load(name, seed=4), datasets.load(name, seed=4)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert a.task in ("regression", "binary", "multiclass")
    assert a.X_train.shape[1] == a.X_test.shape[1] == len(a.feature_names)
    assert len(a.X_train) == len(a.y_train) > len(a.X_test) == len(a.y_test) > 0
    assert np.isfinite(a.X_train).all() and np.isfinite(a.y_train).all()
    if a.task == "binary":
        assert set(np.unique(a.y_train)) == {0.0, 1.0}
    if a.task == "multiclass":
        assert a.y_train.dtype.kind == "i" and set(np.unique(a.y_train)) == set(range(len(a.class_names)))
    assert a.layer_sizes([5])[0] == a.n_features and a.layer_sizes([5])[-1] == a.n_outputs
    if name not in datasets.BUILT_IN_TABLES:
        assert not np.array_equal(datasets.load(name, seed=5).X_train, a.X_train)


def test_built_in_tables_have_their_names_and_sizes():
    iris = datasets.load("iris")
    assert iris.feature_names[0].startswith("sepal length") and iris.class_names == [
        "setosa",
        "versicolor",
        "virginica",
    ]
    assert len(iris.X_train) + len(iris.X_test) == 150
    np.testing.assert_allclose(iris.X_train.mean(0), 0, atol=1e-12)  # standardised on the training set
    digits = datasets.load("digits")
    assert digits.n_features == 64 and digits.meta["image_shape"] == (8, 8) and digits.X_train.max() <= 1.0
    assert len(datasets.load("breast_cancer").feature_names) == 30


def test_linear_data_has_known_weights_and_irrelevant_features():
    ds = datasets.linear(n_features=6, n_informative=2, noise=0.0, seed=1)
    pred = ds.X_train @ ds.true_weights + ds.true_bias
    np.testing.assert_allclose(pred, ds.y_train)
    assert (ds.true_weights == 0).sum() == 4


def test_transform_maps_raw_inputs_like_the_data():
    poly = datasets.polynomial(degree=5, seed=0)
    raw = poly.raw(poly.X_train)
    np.testing.assert_allclose(poly.transform(raw), poly.X_train)
    iris = datasets.load("iris")
    np.testing.assert_allclose(iris.transform(iris.raw(iris.X_test)), iris.X_test)


def test_classification_split_is_stratified():
    ds = datasets.blobs(n_samples=30, n_classes=3, test_fraction=0.2, seed=0)
    assert sorted(np.unique(ds.y_test)) == [0, 1, 2]


GOOD = "height,weight,species\n1.0,2.0,cat\n1.5,2.5,dog\n1.1,2.1,cat\n1.6,2.4,dog\n1.2,2.0,cat\n1.7,2.6,dog\n"


def test_csv_good_file_becomes_a_dataset():
    ds = datasets.from_csv(GOOD.encode(), target="species", test_fraction=0.34)
    assert ds.task == "binary" and ds.class_names == ["cat", "dog"] and ds.feature_names == ["height", "weight"]
    reg = datasets.from_csv(io.BytesIO(GOOD.encode()), target="weight", features=["height"])
    assert reg.task == "regression" and reg.n_features == 1
    np.testing.assert_allclose(reg.y_train.mean(), 0, atol=1e-12)


def test_csv_semicolons_and_integer_classes():
    text = "a;b;label\n" + "".join(f"{i};{i * 2};{i % 3}\n" for i in range(30))
    ds = datasets.from_csv(text.encode())
    assert ds.task == "multiclass" and ds.class_names == ["0", "1", "2"]


@pytest.mark.parametrize(
    "content,kwargs,message",
    [
        (b"", {}, "empty"),
        (b"   \n  ", {}, "empty"),
        (b"\x00\x01\x02binary", {}, "not a text file"),
        (b"\xff\xfe\xfa,\xfb\n\xfc,1\n", {}, "UTF-8"),
        (b"a,b\n1,2\n", {}, "the table has 1 data row; at least 4"),
        (b"onlyone\n1\n2\n3\n4\n5\n", {}, "two columns"),
        (GOOD.encode(), {"target": "colour"}, "no column 'colour'"),
        (GOOD.encode(), {"target": "height", "features": ["species"]}, "not numeric"),
        (b"x,y\n1,a\n2,a\n3,a\n4,a\n5,a\n", {"target": "y"}, "only one class"),
        (b"x,z,y\n1,,1.5\n2,3,2.5\n3,4,3.5\n4,5,4.5\n5,6,5.5\n", {"target": "y"}, "missing values in 'z'"),
        (b"name,y\nab,1\ncd,2\nef,3\ngh,4\n", {"target": "y"}, "no numeric feature"),
        (b"x,y\n1,a\n2,b\n3,c\n4,d\n", {"target": "y", "task": "regression"}, "holds text"),
    ],
)
def test_broken_csv_gets_a_clear_message(content, kwargs, message):
    with pytest.raises(CSVError, match=message):
        datasets.from_csv(content, **kwargs)


def test_csv_missing_values_can_be_dropped_and_size_is_limited(monkeypatch):
    text = b"x,z,y\n1,,1.5\n2,3,2.5\n3,4,3.5\n4,5,4.5\n5,6,5.5\n6,7,6.5\n"
    assert len(datasets.from_csv(text, target="y", drop_missing=True, test_fraction=0.2).X_train) == 4
    monkeypatch.setattr(datasets, "MAX_CSV_ROWS", 3)
    with pytest.raises(CSVError, match="more than 3 rows"):
        datasets.from_csv(GOOD.encode())
    monkeypatch.setattr(datasets, "MAX_CSV_BYTES", 10)
    with pytest.raises(CSVError, match="larger than"):
        datasets.from_csv(GOOD.encode())


def test_csv_header_spaces_and_bad_targets():
    ds = datasets.from_csv(b"x1, x2, y\n1,2,3.5\n2,3,4.5\n3,5,6.5\n4,4,7.5\n5,1,8.5\n", target="y")
    assert ds.feature_names == ["x1", "x2"] and ds.target_name == "y"
    with pytest.raises(CSVError, match="infinite"):
        datasets.from_csv(b"x,y\n1,inf\n2,3.5\n3,4.5\n4,1.5\n5,2.5\n", target="y")
    with pytest.raises(CSVError, match="complete rows"):
        datasets.from_csv(b"a,b,y\n1,,1\n2,,0\n3,,1\n4,,0\n5,,1\n", target="y", drop_missing=True)


def test_unknown_dataset():
    with pytest.raises(ValueError, match="moons"):
        datasets.load("mnist")


def table(n_rows, n_columns, sep=","):
    """A CSV of one-digit features x0, x1, … and a 0/1 label: about two bytes a value."""
    header = sep.join([*(f"x{j}" for j in range(n_columns - 1)), "label"])
    rows = "".join(
        sep.join([*(str((i + j) % 10) for j in range(n_columns - 1)), str(i % 2)]) + "\n" for i in range(n_rows)
    )
    return f"{header}\n{rows}".encode()


def test_csv_values_are_capped_at_two_million_with_the_size_found_and_what_to_do():
    with pytest.raises(CSVError) as refused:
        datasets.read_csv(table(10_001, 200))
    message = str(refused.value)
    assert "10,001 rows × 200 columns = 2,000,200 values" in message
    assert "at most 2,000,000 values" in message and "10,000 rows of 200 columns" in message
    assert "sample" in message and "fewer columns" in message
    assert datasets.read_csv(table(40, 4_999)).shape == (40, 4_999)  # wide and short fits


def test_csv_size_is_checked_before_the_whole_file_is_parsed(monkeypatch):
    monkeypatch.setattr(datasets, "MAX_CSV_CELLS", 30)  # 10 rows of 3 columns
    content = table(12, 3) + b"1,2,3,4,5,6\n" * 5  # broken lines past the limit are never read
    assert datasets.read_csv(table(10, 3)).shape == (10, 3)
    with pytest.raises(CSVError, match="17 rows × 3 columns"):
        datasets.read_csv(content)


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_csv_separators_comma_semicolon_tab_and_bar(sep):
    df = datasets.read_csv(table(6, 3, sep))
    assert list(df.columns) == ["x0", "x1", "label"] and df["x1"].tolist() == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_csv_decimal_commas_with_semicolons_or_tabs(sep):
    text = f"a{sep}b{sep}y\n" + "".join(f"{i},5{sep}-{i},25{sep}{i % 2}\n" for i in range(6))
    df = datasets.read_csv(text.encode())
    assert df["a"].tolist() == [0.5, 1.5, 2.5, 3.5, 4.5, 5.5] and df["b"].iloc[1] == -1.25
    ds = datasets.from_csv(text.encode(), target="y")
    assert ds.feature_names == ["a", "b"] and ds.task == "binary"


def test_csv_decimal_points_and_text_with_commas_stay_as_they_are():
    points = datasets.read_csv(b"a;b;y\n1.5;2,5;0\n2.5;3,5;1\n3.5;4,5;0\n4.5;5,5;1\n")
    assert points["a"].tolist() == [1.5, 2.5, 3.5, 4.5]  # points win; "2,5" stays text
    names = datasets.read_csv(b"name;x;y\nSmith, J;1,5;0\nDoe, A;2,5;1\nRoe, B;3;0\nPoe, C;4;1\n")
    assert names["name"].iloc[0] == "Smith, J" and names["x"].tolist() == [1.5, 2.5, 3.0, 4.0]
    commas = datasets.read_csv(b"a,b,y\n1,5,0\n2,5,1\n3,5,0\n4,5,1\n")
    assert commas.shape == (4, 3)  # comma-separated: commas separate


def test_csv_an_id_column_is_not_a_target_and_each_class_needs_two_rows():
    ids = "id,x,y\n" + "".join(f"user{i},{i % 9},{i % 2}\n" for i in range(2_000))
    with pytest.raises(CSVError, match=r"target 'id' has 2,000 different values.*at most 50.*another target"):
        datasets.from_csv(ids.encode(), target="id")
    fifty = "c,x\n" + "".join(f"k{i % 50},{i}\n" for i in range(200))
    assert len(datasets.from_csv(fifty.encode(), target="c").class_names) == 50
    lonely = "x,y\n" + "".join(f"{i},{'a' if i < 6 else 'b'}\n" for i in range(12)) + "12,c\n"
    with pytest.raises(CSVError, match=r"1 class with a single row \(e\.g\. 'c'\).*at least 2 rows"):
        datasets.from_csv(lonely.encode(), target="y")
    pair = "x,y\n" + "".join(f"{i},{'a' if i < 6 else 'b'}\n" for i in range(12)) + "12,c\n13,c\n"
    ds = datasets.from_csv(pair.encode(), target="y")  # two rows: one to train on, one to test
    c = ds.class_names.index("c")
    assert (ds.y_train == c).sum() == 1 and (ds.y_test == c).sum() == 1


def test_csv_needs_a_feature_and_leaves_the_callers_table_alone():
    df = datasets.read_csv(GOOD.encode())
    with pytest.raises(CSVError, match="choose at least one feature column"):
        datasets.from_csv(df, target="species", features=[])
    spaced = df.rename(columns={"height": " height "})
    ds = datasets.from_csv(spaced, target="species", test_fraction=0.34)
    assert ds.feature_names == ["height", "weight"] and list(spaced.columns)[0] == " height "


def test_csv_repeated_column_names_are_refused():
    with pytest.raises(CSVError, match="'x' appears more than once"):
        datasets.read_csv(b"x, x ,y\n1,2,3\n2,3,4\n3,4,5\n4,5,6\n")


def test_compact_table_keeps_values_in_less_memory():
    text = "a,b,c,label\n" + "".join(
        f"{i / 7:.6f},{i % 100},{i * 1000},{'no' if i % 3 else 'yes'}\n" for i in range(500)
    )
    df = datasets.read_csv(text.encode())
    small = datasets.compact_table(df)
    assert [str(t) for t in small.dtypes[:3]] == ["float32", "int8", "int32"]
    assert small.memory_usage(deep=True).sum() < 0.6 * df.memory_usage(deep=True).sum()
    assert datasets.numeric_columns(small) == ["a", "b", "c"]
    np.testing.assert_allclose(small["a"], df["a"], rtol=1e-7)
    assert (small["c"] == df["c"]).all() and (small["label"] == df["label"]).all()
    a = datasets.from_csv(small, target="label", seed=3)
    b = datasets.from_csv(df, target="label", seed=3)
    np.testing.assert_allclose(a.X_train, b.X_train, atol=1e-5)


@pytest.mark.parametrize("sep", ["\t", "|"])
def test_tab_and_bar_separated_files_become_the_right_features_and_target(sep):
    rows = [(f"{1 + i / 8:.3f}", f"{-20 + 3 * i}", "small" if i % 3 else "large") for i in range(15)]
    text = sep.join(["length (cm)", "weight", "size"]) + "\n" + "".join(sep.join(r) + "\n" for r in rows)
    ds = datasets.from_csv(text.encode(), target="size", standardize=False, test_fraction=0.2)
    assert ds.feature_names == ["length (cm)", "weight"] and ds.target_name == "size"
    assert ds.task == "binary" and ds.class_names == ["large", "small"]
    X = np.vstack([ds.X_train, ds.X_test])
    y = np.concatenate([ds.y_train, ds.y_test])
    order = np.argsort(X[:, 1])
    np.testing.assert_allclose(X[order], [[1 + i / 8, -20 + 3 * i] for i in range(15)], rtol=1e-12)
    assert y[order].tolist() == [0.0 if i % 3 == 0 else 1.0 for i in range(15)]


CLASSIFICATION = ["moons", "circles", "xor", "spiral", "blobs", "iris", "wine", "breast_cancer", "digits"]


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_every_class_is_split_in_proportion(name):
    """Stratified: each class puts test_fraction of its rows (rounded) into the test set, whatever its size."""
    ds = datasets.load(name, seed=3)
    assert ds.task in ("binary", "multiclass")
    y = np.concatenate([ds.y_train, ds.y_test])
    share = len(ds.y_test) / len(y)
    for c in np.unique(y):
        in_test, total = int((ds.y_test == c).sum()), int((y == c).sum())
        assert abs(in_test - share * total) <= 1, (c, in_test, total)


def test_the_registry_holds_the_readme_names():
    """README's registries table: the seventeen datasets (a CSV comes through datasets.from_csv)."""
    assert set(datasets.DATASETS) == {
        "house_prices",
        "linear",
        "plane",
        "moons",
        "circles",
        "xor",
        "spiral",
        "blobs",
        "polynomial",
        "sparse_linear",
        "polynomial_15",
        "small_moons",
        "iris",
        "wine",
        "breast_cancer",
        "diabetes",
        "digits",
    }


def test_csv_features_and_target_are_standardised_with_the_training_sets_statistics():
    """README: from_csv 'standardises with the training set's statistics': the training features (and a regression
    target) have mean 0 and standard deviation 1, and the test set is mapped with the same mean and scale."""
    rng = np.random.default_rng(0)
    raw = rng.normal(loc=[5.0, -300.0], scale=[2.0, 40.0], size=(60, 2))
    y = raw @ [1.0, 0.1] + rng.normal(size=60)
    text = "a,b,y\n" + "".join(f"{a:.17g},{b:.17g},{t:.17g}\n" for (a, b), t in zip(raw, y, strict=True))
    ds = datasets.from_csv(text.encode(), target="y", test_fraction=0.25, seed=1)
    np.testing.assert_allclose(ds.X_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose([ds.y_train.mean(), ds.y_train.std()], [0, 1], atol=1e-12)
    raw_train, raw_test = ds.raw(ds.X_train), ds.raw(ds.X_test)  # back to the file's values
    rows = {tuple(r) for r in np.round(raw, 9)}
    assert {tuple(r) for r in np.round(np.vstack([raw_train, raw_test]), 9)} == rows
    np.testing.assert_allclose(ds.X_test, (raw_test - raw_train.mean(0)) / raw_train.std(0), rtol=1e-10, atol=1e-12)
    assert abs(ds.X_test.mean(axis=0)).max() > 1e-3  # the test set's own statistics were not used


def test_csv_caps_are_50_mb_100_000_rows_and_1000_features():
    """README: a file over 50 MB or 100 000 rows is refused with a message naming the problem (and the app's
    largest network has 1000 inputs, the feature cap). Files just at each cap get past that check."""
    at_rows = b"x,y\n" + b"1,0\n2,1\n" * 50_000
    assert len(datasets.read_csv(at_rows)) == 100_000
    with pytest.raises(CSVError, match="more than 100,000 rows"):
        datasets.read_csv(at_rows + b"3,0\n")
    at_bytes = b"x,y\n" + b"1,0\n" * ((50 * 2**20 - 4) // 4)  # exactly 50 MB: refused for its rows, not its size
    assert len(at_bytes) == 50 * 2**20
    with pytest.raises(CSVError, match="rows") as refused:
        datasets.read_csv(at_bytes)
    assert "MB" not in str(refused.value)
    with pytest.raises(CSVError, match="larger than 50 MB"):
        datasets.read_csv(at_bytes + b"\n")
    del at_bytes
    columns = [f"f{j}" for j in range(1001)]
    wide = ",".join([*columns, "y"]) + "\n" + "".join(",".join(["1"] * 1001 + [str(i % 2)]) + "\n" for i in range(6))
    assert datasets.from_csv(wide.encode(), features=columns[:1000], target="y").n_features == 1000
    with pytest.raises(CSVError, match="1,001 feature columns; at most 1,000"):
        datasets.from_csv(wide.encode(), target="y")


def test_built_in_tables_load_without_the_network(monkeypatch):
    """README: the real tables are the ones scikit-learn ships inside its package, read from disk, no network."""
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("a dataset tried to open a network connection")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    rows = {"iris": 150, "wine": 178, "breast_cancer": 569, "diabetes": 442, "digits": 1797}
    for name in datasets.BUILT_IN_TABLES:
        ds = datasets.load(name)
        assert len(ds.X_train) + len(ds.X_test) == rows[name]


# -- compact_table keeps float64 where float32 would change what the model sees ------------------------
def test_compact_table_keeps_float64_for_values_beyond_float32s_range():
    """1e300 is a finite float64; as float32 it became inf, and the app said the column 'holds infinite values'."""
    text = "a,b,y\n" + "".join(f"{(i + 1) * 1e300},{i / 7:.6f},{i % 2}\n" for i in range(20))
    df = datasets.read_csv(text.encode())
    small = datasets.compact_table(df)
    assert [str(t) for t in small.dtypes] == ["float64", "float32", "int8"]
    assert (small["a"] == df["a"]).all()
    ds = datasets.from_csv(small, target="y", seed=0)
    np.testing.assert_allclose(ds.X_train, datasets.from_csv(df, target="y", seed=0).X_train, atol=1e-5)
    # and standardised without overflowing: (1e300)² is beyond float64, the column's spread is not
    np.testing.assert_allclose(ds.X_train.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(ds.raw(ds.X_test)[:, 0] / 1e300, np.round(ds.raw(ds.X_test)[:, 0] / 1e300), rtol=1e-12)
    reg = datasets.from_csv(small, target="a", features=["b"], task="regression", seed=0)
    np.testing.assert_allclose([reg.y_train.mean(), reg.y_train.std()], [0, 1], atol=1e-12)
    back = (reg.meta["target_std"] * reg.y_test + reg.meta["target_mean"]) / 1e300  # back to the file's values
    np.testing.assert_allclose(back, np.round(back), rtol=1e-12)


def test_compact_table_keeps_float64_when_float32_rounding_would_blur_the_spread():
    """1234567.89 ± 0.5: float32 steps by 0.125 there, a fifth of the spread, so the standardised target was
    mostly rounding noise. float32 stays for a column it moves by at most 1e-4 of the standard deviation."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, 200)
    big = 1234567.89 + 0.5 * x
    near = 1000 + x  # float32 error ≤ 3.1e-5, std 0.58: 5e-5 of it, kept as float32
    nearer = 1000 + 0.1 * x  # the same error, std 0.058: 5e-4 of it, float64
    tiny = 1e-300 * (1 + x)  # float32 makes these 0
    text = "big,near,nearer,tiny,y\n" + "".join(
        f"{a:.17g},{b:.17g},{c:.17g},{d:.17g},{t:.17g}\n"
        for a, b, c, d, t in zip(big, near, nearer, tiny, big, strict=True)
    )
    df = datasets.read_csv(text.encode())
    small = datasets.compact_table(df)
    assert dict(small.dtypes.astype(str)) == {
        "big": "float64",
        "near": "float32",
        "nearer": "float64",
        "tiny": "float64",
        "y": "float64",
    }
    exact = datasets.from_csv(df, target="y", seed=0)
    kept = datasets.from_csv(small, target="y", seed=0)
    np.testing.assert_allclose(kept.y_train, exact.y_train, atol=1e-9)
    np.testing.assert_allclose(kept.X_train, exact.X_train, atol=1e-4)
    assert np.corrcoef(kept.y_train, kept.X_train[:, 1])[0, 1] > 0.99999  # near still follows the target


def test_compact_table_leaves_missing_and_infinite_values_as_they_are():
    df = datasets.read_csv(b"a,y\n1.5,0\n,1\ninf,0\n-2.25,1\n3.0,0\n")
    small = datasets.compact_table(df)
    assert str(small["a"].dtype) == "float32" and np.isnan(small["a"][1]) and small["a"][2] == np.inf
    with pytest.raises(CSVError, match="column 'a' holds infinite values"):
        datasets.from_csv(small, target="y", drop_missing=True)


# -- counts in messages and descriptions: thousands separators, singular for one -----------------------
@pytest.mark.parametrize(("rows", "said"), [(0, "0 data rows"), (1, "1 data row;"), (3, "3 data rows")])
def test_too_few_rows_are_counted_in_the_right_number(rows, said):
    with pytest.raises(CSVError, match=f"the table has {said}"):
        datasets.read_csv(b"x,y\n" + b"1,2\n" * rows)


def test_descriptions_and_messages_count_with_thousands_separators():
    text = "x,y\n" + "".join(f"{i},{i * 0.5}\n" for i in range(9_999))
    assert datasets.from_csv(text.encode()).description == "9,999 rows from a CSV, 1 feature."
    with pytest.raises(CSVError, match="only 1 complete row; at least 4"):
        datasets.from_csv(b"a,b,y\n1,,1\n2,3,0\n3,,1\n4,,0\n5,,1\n", target="y", drop_missing=True)
    missing = "x,z,y\n" + "".join(f"{i},{'' if i < 1_500 else i},{i % 2}\n" for i in range(2_000))
    with pytest.raises(CSVError, match=r"missing values in 'z' \(1,500\)"):
        datasets.from_csv(missing.encode(), target="y")
    assert datasets.linear(n_informative=1).description.startswith("1 informative feature and 7 irrelevant ones")
    assert datasets.load("digits").description.startswith("1,797 handwritten digits")
    assert [datasets.counted(n, "class", "classes") for n in (1, 2, 12_345)] == [
        "1 class",
        "2 classes",
        "12,345 classes",
    ]


def test_csv_steps_check_in_order_so_the_first_problem_is_the_one_named():
    """``from_csv`` runs its steps in a fixed order: columns chosen, features numeric, complete rows, target
    encoded, split. A table with two problems is refused for the one the earlier step checks."""
    import pandas as pd

    rows = 8
    df = pd.DataFrame(
        {
            "x": np.arange(rows, dtype=float),
            "word": ["a", "b"] * (rows // 2),
            "gap": [np.nan] + [1.0] * (rows - 1),
            "huge": [np.inf] + [1.0] * (rows - 1),
            "label": ["u", "v"] * (rows // 2),
            "y": np.linspace(0, 1, rows),
        }
    )
    refusals = [
        ({"target": "y", "features": ["word", "nowhere"]}, "no column named 'nowhere'"),  # before the text check
        ({"target": "y", "features": ["gap", "word"]}, "feature column 'word' is not numeric"),  # before the gap
        ({"target": "y", "features": ["huge", "gap"]}, "missing values in 'gap' (1)"),  # before infinity
        ({"target": "label", "features": ["huge"], "task": "regression"}, "column 'huge' holds infinite values"),
        ({"target": "label", "features": ["x"], "task": "regression"}, "target 'label' holds text"),
    ]
    for kwargs, message in refusals:
        with pytest.raises(CSVError, match=message.replace("(", r"\(").replace(")", r"\)")):
            datasets.from_csv(df, **kwargs)
    ds = datasets.from_csv(df, target="label", features=["x", "gap"], drop_missing=True)
    assert ds.task == "binary" and ds.class_names == ["u", "v"] and len(ds.y_train) + len(ds.y_test) == rows - 1
