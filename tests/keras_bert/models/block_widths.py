"""What the task-model tests share: how wide the encoder's last block really runs."""


def last_block_widths(encoder, run):
    """The number of positions the encoder's last block computes, per call, during `run()`."""
    widths = []
    last = encoder.transformer_layers[-1]
    original = last.call

    def spy(*args, **kwargs):
        output = original(*args, **kwargs)
        widths.append(output.shape[1])
        return output

    last.call = spy
    try:
        run()
    finally:
        del last.call
    return widths
