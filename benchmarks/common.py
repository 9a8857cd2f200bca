"""What the MNIST benchmarks share, so that each script holds only what it measures.

The scripts run as `python benchmarks/<name>.py`; Python then puts this folder first on the import path, so
`from common import ...` finds this file.
"""
from dl_foundations.data import get_mnist, normalize_to, DataLoaders
from dl_foundations.layers import get_cnn_model, init_cnn

def mnist_dls(n_train:int, bs:int=512):
    "The first n_train MNIST training images and the validation set, normalised with the training statistics, in batches of bs; returns (dls, mnist)."
    mnist = get_mnist(stand_in=True)  # without the real files: the generated stand-in, with a warning (mnist.source says which)
    x_train, x_valid = normalize_to(mnist.x_train[:n_train], mnist.x_valid)
    return DataLoaders.from_tensors(x_train, mnist.y_train[:n_train], x_valid, mnist.y_valid, bs=bs), mnist

def lecture_cnn():
    "Lesson 05's CNN for MNIST (channels 8, 16, 32, 32; GeneralRelu leak 0.1, sub 0.4, maxv 6), kaiming-initialised."
    return init_cnn(get_cnn_model(1, 10, [8, 16, 32, 32], leak=0.1, sub=0.4, maxv=6.), leak=0.1)
