from django.urls import path

from wangge.duty.entries import views as v

urlpatterns = [
    path("post/", v.post_pick, name="post_pick"),
    path("post/<int:checkpoint_id>/", v.post, name="post"),
    path("checkpoints/<int:checkpoint_id>/entries/", v.entry_list, name="entries"),
]
