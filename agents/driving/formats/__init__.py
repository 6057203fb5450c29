"""Other people's driving data in and out: Udacity simulator folders and Donkey Car tubs.

`common` maps a foreign camera onto the dashcam frame and writes an imported session with the
project's own Recorder; `udacity` and `donkey` read (streaming) and write their formats.
"""
