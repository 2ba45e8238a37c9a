"""Version of the mnx_det package."""
__version__ = '0.1.0'
