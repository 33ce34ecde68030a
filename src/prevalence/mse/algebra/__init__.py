"""Model algebra: hierarchical log-linear models, their designs, existence of the MLE, graphs.

Below the inference layer, above the capture data and the compiled kernels.
"""
