"""The rps-* subcommands of cli/rps.py, through main()."""

import json

import pytest

from main import main


def test_rps_match_json(capsys):
    assert main(["rps-match", "beat-last", "rock", "--rounds", "50", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["a"] == "beat-last" and data["rounds"] == 50
    assert data["net"] >= 48 and data["verdict"] == "win"


def test_rps_match_text(capsys):
    assert main(["rps-match", "rock", "rotate", "--rounds", "30"]) == 0
    out = capsys.readouterr().out
    assert "net +0" in out and "draw" in out


def test_rps_match_unknown_agent(capsys):
    assert main(["rps-match", "rock", "nobody", "--rounds", "5"]) == 2
    assert "unknown agent 'nobody'" in capsys.readouterr().err


def test_rps_tournament_json(capsys):
    code = main(["rps-tournament", "rock", "rotate", "beat-last", "--rounds", "60", "--json"])
    assert code == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["agents"] == ["rock", "rotate", "beat-last"]
    assert data["ranking"][0]["name"] == "beat-last"
    # Each cell is the row agent's net score in its own match against the column agent.
    from agents.rps import make_agent
    from agents.rps.tournament import SECOND_SEED_OFFSET
    from game.sim.rps import play_match

    names, net = data["agents"], data["net"]
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        a = make_agent(names[i], seed=0)
        b = make_agent(names[j], seed=SECOND_SEED_OFFSET)
        result = play_match(a, b, 60)
        assert net[i][j] == result.net and net[j][i] == -result.net, (names[i], names[j])
    assert "matches" in captured.err  # tqdm progress goes to stderr


def test_rps_tournament_table(capsys):
    assert main(["rps-tournament", "rock", "beat-last", "--rounds", "20"]) == 0
    out = capsys.readouterr().out
    assert "rank" in out and "beat-last" in out


def test_rps_tournament_needs_two_agents(capsys):
    assert main(["rps-tournament", "rock"]) == 2
    assert "at least two agents" in capsys.readouterr().err


def test_rps_agents_lists_the_suite(capsys):
    assert main(["rps-agents", "--json"]) == 0
    agents = {a["name"]: a["kind"] for a in json.loads(capsys.readouterr().out)}
    assert agents["rock"] == "bot" and agents["markov"] == "predictor"
    assert agents["iocaine"] == "meta"


def test_rps_import_export(tmp_path, capsys):
    src = tmp_path / "data.txt"
    src.write_text("0120\n01a\n22\n")
    assert main(["rps-import", str(src)]) == 0
    captured = capsys.readouterr()
    assert "imported 2 games" in captured.out
    assert f"{src}:2:" in captured.err
    out = tmp_path / "out.txt"
    assert main(["rps-export", str(out)]) == 0
    assert out.read_text() == "0120\n22\n"
    assert "exported 2 games" in capsys.readouterr().out


def test_rps_import_says_one_game_not_one_games(tmp_path, capsys):
    src = tmp_path / "one.txt"
    src.write_text("0120\n")
    assert main(["rps-import", str(src)]) == 0
    assert "imported 1 game into" in capsys.readouterr().out


def test_rps_import_bad_file(tmp_path, capsys):
    assert main(["rps-import", str(tmp_path / "missing.txt")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_rps_tournament_all_leaves_the_classic_population_out(monkeypatch):
    import agents.rps.tournament as tournament

    seen = []

    def fake_round_robin(names, **kwargs):
        seen.extend(names)
        raise SystemExit(0)  # the field is what this test is about, not the matches

    monkeypatch.setattr(tournament, "round_robin", fake_round_robin)
    with pytest.raises(SystemExit):
        main(["rps-tournament", "--all", "--rounds", "1"])
    from agents.rps import list_agents

    kinds = {a.name: a.kind for a in list_agents()}
    assert "lstm" in seen and "iocaine" in seen
    assert seen and all(kinds[n] != "classic" for n in seen)
    assert any(k == "classic" for k in kinds.values())  # they exist, by name only


def _save(opponent: str, level: str, moves: list[tuple[int, int]]) -> None:
    from agents.rps.games import GameRecorder

    with GameRecorder(opponent=opponent, level=level) as rec:
        for human, ai in moves:
            rec.record(human=human, ai=ai)


def test_rps_stats_shows_each_level_apart(capsys):
    _save("novice", "novice", [(0, 2)] * 3 + [(0, 1)])  # 3 won, 1 lost
    _save("veteran", "veteran", [(0, 1)] * 5 + [(1, 1)])  # 5 lost, 1 drawn
    assert main(["rps-stats", "--json"]) == 0
    rows = {r["level"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"novice", "veteran", "all"}
    assert (rows["novice"]["win_rate"], rows["novice"]["net"]) == (0.75, 2)
    assert (rows["veteran"]["wins"], rows["veteran"]["draws"], rows["veteran"]["net"]) == (0, 1, -5)
    assert (rows["all"]["rounds"], rows["all"]["net"]) == (10, -3)
    assert main(["rps-stats"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("Novice") and line.endswith("75%     +2") for line in lines)
    assert any(line.startswith("Veteran") and line.endswith("0%     -5") for line in lines)


def test_rps_stats_reads_an_old_file_and_names_a_bad_line(tmp_path, capsys):
    old = tmp_path / "old.csv"
    old.write_text("time,session,opponent,round,human,ai,outcome\n"
                   "t,s,lstm,0,0,2,1\nt,s,lstm,1,0,7,1\n")  # fmt: skip
    assert main(["rps-stats", "--games", str(old), "--json"]) == 0
    captured = capsys.readouterr()
    (no_level, _all) = json.loads(captured.out)
    assert (no_level["level"], no_level["label"], no_level["rounds"]) == ("", "no level", 1)
    assert f"{old}:3: ai move must be 0, 1 or 2, found 7" in captured.err


def test_rps_train_level_says_which_level_has_too_few_rounds(capsys):
    _save("novice", "novice", [(0, 2)] * 12)
    assert main(["rps-train", "--level", "novice", "none"]) == 2
    err = capsys.readouterr().err
    assert "play 48 more rounds at Novice and no level first" in err
    assert main(["rps-train", "--level", "novice", "--games", "x.csv"]) == 2
    assert "--level picks from your saved games" in capsys.readouterr().err
