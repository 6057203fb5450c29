"""User data goes to the user folder; --home and the environment variable override it."""

from game import paths


def test_env_variable_sets_home(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "h"))
    assert paths.user_home() == (tmp_path / "h").resolve()
    assert paths.user_dir("recordings").is_dir()


def test_home_flag_beats_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "env"))
    paths.set_home(tmp_path / "flag")
    assert paths.user_home() == (tmp_path / "flag").resolve()


def test_shipped_folders_are_inside_the_project():
    assert (paths.assets_dir().parent / "main.py").exists()
    assert paths.shipped_models_dir().name == "models"
