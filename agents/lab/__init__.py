"""The model lab: experiments as data (TOML specs), run as grids of trainings, judged on the
road (driving) or against bots (RPS). No pygame here; TensorFlow only in worker processes."""
